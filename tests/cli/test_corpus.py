"""Every command that reads input, over the bad-input corpus (tests/corpus, made by scripts/make_corpus.py).

Each case must end in exit 0 (documented behaviour) or in exit 2 with one `aegis: error:` line: never a
traceback, and never an output that claims to be complete when the run failed.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from aegis.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text())
FILES = sorted(name for name in MANIFEST if "/" not in name)
LAYOUTS = sorted(name.split("/", 1)[1] for name in MANIFEST if name.startswith("layouts/"))  # a lost folder fails


def run(args: list[str], capsys) -> tuple[int, str]:
    """Run the CLI in-process; an exception escaping main() fails the test (it would be a traceback)."""
    code = main(args)
    err = capsys.readouterr().err
    assert code in (0, 2), (args, code, err)
    assert "Traceback" not in err
    if code == 2:
        errors = [line for line in err.splitlines() if line.startswith("aegis: error: ")]
        assert len(errors) == 1 and err.rstrip().endswith(errors[0].rstrip()), err
    return code, err


def hostile_cases(tmp_path: Path) -> dict[str, Path]:
    """Cases made here: a non-UTF-8 name, a 250-character name, a symlink loop, and a folder of all of them."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    image = CORPUS / "grey.png"
    odd = folder / os.fsdecode(b"caf\xe9-\xff.png")
    long = folder / ("x" * 246 + ".png")
    shutil.copy(image, odd)
    shutil.copy(image, long)
    loop = folder / "loop"
    loop.symlink_to(loop)
    return {"non-utf8": odd, "long-name": long, "symlink-loop": loop, "folder": folder}


def layout_of(tmp_path: Path, file: str, kind: str) -> Path:
    """A one-class dataset holding one corpus file: <class>/<file> (videos) or <class>/<file> (images)."""
    root = tmp_path / f"{kind}-{file}"
    (root / "happy").mkdir(parents=True)
    shutil.copy(CORPUS / file, root / "happy" / file)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_analyze_and_clip_survive_each_file(name, tiny_model, tmp_path, capsys):
    out = tmp_path / "out"
    code, _ = run(["analyze", str(CORPUS / name), "--out", str(out), "--model", str(tiny_model)], capsys)
    summary = out / "summary.json"
    if code == 2 and summary.exists():
        assert json.loads(summary.read_text())["complete"] is False
    if code == 0:
        assert json.loads(summary.read_text())["complete"] is True and (out / "frames.csv").is_file()
    run(["clip", str(CORPUS / name), "--model", str(tiny_model)], capsys)


@pytest.mark.parametrize("name", FILES)
def test_evaluate_and_data_build_survive_each_file_in_a_dataset(name, tiny_model, tmp_path, capsys):
    images = layout_of(tmp_path, name, "images")
    run(["evaluate", "--source", f"images={images}", "--model", str(tiny_model)], capsys)
    run(["data", "build", "--recipe", "still", "--source", f"images={images}", "--out", str(tmp_path / "s")], capsys)
    code, _ = run(["data", "build", "--recipe", "bigfacex", "--source", f"videos={images}", "--out",
                   str(tmp_path / "v")], capsys)
    assert code == 2 or (tmp_path / "v" / "meta.json").is_file()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_dataset_layouts(layout, tiny_model, tmp_path, capsys):
    root = CORPUS / "layouts" / layout
    run(["evaluate", "--source", f"images={root}", "--model", str(tiny_model)], capsys)
    run(["evaluate", "--source", f"videos={root}", "--model", str(tiny_model)], capsys)
    for recipe, kind in (("still", "images"), ("sequence", "images"), ("bigfacex", "videos")):
        code, _ = run(["data", "build", "--recipe", recipe, "--source", f"{kind}={root}", "--out",
                       str(tmp_path / recipe)], capsys)
        assert code == 2 or (tmp_path / recipe / "meta.json").is_file()


def test_hostile_names_and_loops(tiny_model, tmp_path, capsys):
    cases = hostile_cases(tmp_path)
    for name, path in cases.items():
        run(["analyze", str(path), "--out", str(tmp_path / f"out-{name}"), "--model", str(tiny_model)], capsys)
    dataset = tmp_path / "dataset" / "happy"
    dataset.parent.mkdir()
    shutil.copytree(cases["folder"], dataset, symlinks=True)
    run(["evaluate", "--source", f"images={dataset.parent}", "--model", str(tiny_model)], capsys)
    run(["data", "build", "--recipe", "still", "--source", f"images={dataset.parent}", "--out", str(tmp_path / "s")],
        capsys)


@pytest.mark.parametrize("out", ["/proc/aegis-cannot-write", "/dev/null/x"])
def test_an_unwritable_output_folder_is_one_error_line(out, tiny_model, capsys):
    code, err = run(["analyze", str(CORPUS / "grey.png"), "--out", out, "--model", str(tiny_model)], capsys)
    assert code == 2 and out in err
    code, err = run(["data", "build", "--recipe", "still", "--source", f"images={CORPUS / 'layouts' / 'extra-files'}",
                     "--out", out], capsys)
    assert code == 2


def _collection_header() -> str:
    from aegis.analyze.batch import collection_columns
    from aegis.labels import CLASSES

    return ",".join(collection_columns(CLASSES))


@pytest.mark.parametrize("text", ["video_id,source\nx\n", "{header}\nx,y\n", "", "\x00\x01garbage"])
def test_report_on_a_broken_collection_is_one_error_line(text, tmp_path, capsys):
    (tmp_path / "collection.csv").write_text(text.format(header=_collection_header()))
    code, err = run(["report", str(tmp_path)], capsys)
    assert code == 2 and "collection" in err


@pytest.mark.parametrize("part", ["windows.npy", "meta.json", "index.csv"])
def test_evaluate_on_a_store_with_a_garbage_file_is_one_error_line(part, tiny_model, tmp_path, capsys):
    store = tmp_path / "store"
    run(["data", "build", "--recipe", "still", "--source", f"images={CORPUS / 'layouts' / 'broken-images'}",
         "--out", str(store)], capsys)
    (store / part).write_text("garbage\n")
    code, _ = run(["evaluate", "--data", str(store), "--model", str(tiny_model)], capsys)
    assert code == 2


@pytest.mark.parametrize("text", ["{not json", '{"accuracy": 1}', "[]", '{"model": {"name": "x"}, "accuracy": "a"}'])
def test_bench_with_a_bad_eval_file_is_one_error_line(text, tiny_model, tmp_path, capsys):
    (tmp_path / "eval.json").write_text(text)
    code, _ = run(["bench", "--model", str(tiny_model), "--runs", "2", "--eval", str(tmp_path / "eval.json")], capsys)
    assert code == 2
