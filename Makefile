# Set-up and the two entry points the README gives: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
VIDEO ?= ../shared/data/videos/head-pose-face-detection-female-and-male.gif
OUT ?= out/demo

.PHONY: demo test test-fast lint bench web-assets clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(PY) -m pip install -q -e '.[train,live,batch,scale,dev]'
	touch $@

demo: $(VENV)/.runtime
	$(VENV)/bin/aegis analyze "$(VIDEO)" --out "$(OUT)"

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check aegis tests benchmarks scripts

test: lint
	$(PY) -m pytest -q -rs -p no:cacheprovider; rc=$$?; [ $$rc -eq 5 ] && echo "no tests collected" && rc=0; exit $$rc

test-fast: lint
	$(PY) -m pytest -q -rs -p no:cacheprovider -m "not slow"

ORT_DIST := web/node_modules/onnxruntime-web/dist
web-assets:  # the pinned ONNX Runtime Web files the on-device page loads, into the package (committed)
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p aegis/app/static/ort
	cp $(ORT_DIST)/ort.wasm.min.js $(ORT_DIST)/ort-wasm-simd-threaded.mjs $(ORT_DIST)/ort-wasm-simd-threaded.wasm \
	   aegis/app/static/ort/

bench: $(VENV)/.runtime
	$(PY) benchmarks/pipeline_fps.py

clean:
	rm -rf $(VENV) out *.egg-info
