// AEGIS on the device: the frame model in a worker of its own, so that it scores one frame's faces on a second
// core while the page looks for the next frame's (ondevice.js, Scorer). Windows in, probabilities out.
"use strict";

importScripts("ort/ort.wasm.min.js");

let model = null;

self.onmessage = async ({ data }) => {
  try {
    if (data.open) {
      Object.assign(ort.env.wasm, { wasmPaths: data.open.paths, wasmBinary: data.open.binary, numThreads: 1 });
      model = await ort.InferenceSession.create(data.open.model, data.open.options);
      self.postMessage({ id: data.id, opened: true });
      return;
    }
    const started = performance.now();
    const input = new ort.Tensor("uint8", data.windows, data.dims);
    const probs = (await model.run({ [model.inputNames[0]]: input }))[model.outputNames[0]].data;
    self.postMessage({ id: data.id, probs, ms: performance.now() - started }, [probs.buffer]);
  } catch (err) {
    self.postMessage({ id: data.id, error: String(err && err.message ? err.message : err) });
  }
};
