// AEGIS on the device: the pipeline of aegis/runtime/stream.py in the browser, on ONNX Runtime Web (WASM). MTCNN
// (mtcnn.js) re-finds each tracked face first, then scans one band of face sizes a frame where the frame changed
// (runtime/change.py); a tracker keeps the IDs (faces/track.py); each face is cut with its eye line levelled as a
// uint8 crop (image.js) and the shipped frame model, which scales and normalises inside its graph, scores it in a
// worker (scorer.js) while the next frame's faces are looked for. A face missed for a frame is coasted. No frame,
// crop or result leaves the page.
"use strict";

const NEAR_SEARCH_MAX_MISSED = 3, REFIND_DISTANCE = 0.5, REGROW = 0.25;  // runtime/stream.py
const RUNTIME = "ort/ort-wasm-simd-threaded.wasm.gz";  // ONNX Runtime's WebAssembly, gzipped (page.asset_bytes)
const BLOCK = 16, CHANGE_LEVEL = 4, REFRESH_EVERY = 30, MOST_OF_THE_FRAME = 0.5;  // runtime/change.py

// Per kind of scan (a size band, or every size), the frame's 16x16 block means at its last scan: the regions
// changed since, or null for the whole frame; a whole scan of every size counts for each band too (ChangeRegions).
class ChangeRegions {
  constructor() {
    this.seen = new Map();
    this.scans = new Map();
  }

  regions(grey, w, h, band, exclude, covers = []) {
    const rows = Math.max(Math.floor(h / BLOCK), 1), cols = Math.max(Math.floor(w / BLOCK), 1);
    const means = blockMeans(grey, w, h, rows, cols), seen = this.seen.get(band), count = this.scans.get(band) || 0;
    this.scans.set(band, count + 1);
    if (!seen || seen.length !== means.length || count % REFRESH_EVERY === 0) {
      return this.seenWhole(means, band, covers);
    }
    const moved = means.map((m, i) => (Math.abs(m - seen[i]) > CHANGE_LEVEL ? 1 : 0));
    for (const [x0, y0, x1, y1] of exclude) {  // blocks wholly inside the region
      const c0 = Math.max(Math.ceil(x0 / BLOCK), 0), c1 = Math.min(Math.floor(x1 / BLOCK), cols);
      for (let r = Math.max(Math.ceil(y0 / BLOCK), 0); r < Math.min(Math.floor(y1 / BLOCK), rows); r++) {
        for (let c = c0; c < c1; c++) moved[r * cols + c] = 0;
      }
    }
    const groups = blockGroups(moved, rows, cols);
    if (groups.reduce((a, [r0, r1, c0, c1]) => a + (r1 - r0) * (c1 - c0), 0) > MOST_OF_THE_FRAME * means.length) {
      return this.seenWhole(means, band, covers);
    }
    const sy = Math.min(BLOCK, h), sx = Math.min(BLOCK, w);
    for (const [r0, r1, c0, c1] of groups) {
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) seen[r * cols + c] = means[r * cols + c];
    }
    return groups.map(([r0, r1, c0, c1]) => [c0 * sx, r0 * sy, Math.ceil(c1 * sx), Math.ceil(r1 * sy)]);
  }

  // The whole frame scanned: seen now by this kind and the kinds it covers, whose refresh counts from here.
  seenWhole(means, band, covers) {
    this.seen.set(band, means);
    for (const kind of covers) {
      this.seen.set(kind, Float32Array.from(means));
      this.scans.set(kind, 1);
    }
    return null;
  }
}

// The mean grey level of each whole 16x16 block (a frame smaller than a block counts as one).
function blockMeans(grey, w, h, rows, cols) {
  const bw = Math.min(BLOCK, w), bh = Math.min(BLOCK, h), sums = new Float64Array(rows * cols);
  for (let y = 0; y < rows * bh; y++) {
    const line = y * w, first = ((y / bh) | 0) * cols;
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let x = line + c * bw, end = x + bw; x < end; x++) sum += grey[x];
      sums[first + c] += sum;
    }
  }
  return Float32Array.from(sums, (s) => Math.round(s / (bw * bh)));
}

// [row0, row1, col0, col1] around each group of moved blocks, blocks at most one block apart grouped (_groups).
function blockGroups(moved, rows, cols) {
  const label = new Int32Array(rows * cols).fill(-1), groups = [];
  for (let start = 0; start < moved.length; start++) {
    if (!moved[start] || label[start] >= 0) continue;
    const group = [rows, 0, cols, 0], stack = [start];
    label[start] = groups.length;
    while (stack.length) {
      const i = stack.pop(), r = Math.floor(i / cols), c = i % cols;
      group[0] = Math.min(group[0], r); group[1] = Math.max(group[1], r + 1);
      group[2] = Math.min(group[2], c); group[3] = Math.max(group[3], c + 1);
      for (let dr = -3; dr <= 3; dr++) {  // each dilated by a block (cv2.dilate, 3x3): 8-neighbours up to 3 apart
        for (let dc = -3; dc <= 3; dc++) {
          const nr = r + dr, nc = c + dc, j = nr * cols + nc;
          if (nr < 0 || nc < 0 || nr >= rows || nc >= cols || !moved[j] || label[j] >= 0) continue;
          label[j] = groups.length;
          stack.push(j);
        }
      }
    }
    groups.push(group);
  }
  return groups;
}

// Tracking by detection (faces/track.py without the colour histograms): each detection joins the track it costs
// least to (overlap, centre distance in face widths, size), greedily, within a gate that grows while it is missed.
class Tracker {
  constructor({ maxAge = 15, maxCost = 2.0, gate = 1.0, gateGrowth = 0.1 } = {}) {
    Object.assign(this, { maxAge, maxCost, gate, gateGrowth, tracks: [], removed: [], nextId: 1 });
  }

  predicted(maxMissed) {
    return this.tracks.filter((t) => t.missed <= maxMissed).map((t) => {
      const k = t.missed ? 0.8 : 1;
      return [t.box[0] + t.velocity[0] * k, t.box[1] + t.velocity[1] * k, t.box[2], t.box[3]];
    });
  }

  // Match the frame's detections; the tracks seen in it (matched, then new).
  update(found) {
    for (const t of this.tracks) {
      if (t.missed) t.velocity = t.velocity.map((v) => v * 0.8);
      t.box = [t.box[0] + t.velocity[0], t.box[1] + t.velocity[1], t.box[2], t.box[3]];
      t.since += 1;
    }
    const pairs = [];
    this.tracks.forEach((t, r) => found.forEach((d, c) => {
      const distance = centreDistance(t.box, d.box);
      if (distance > this.gate + this.gateGrowth * t.missed) return;
      const size = Math.abs(Math.log((d.box[2] * d.box[3]) / Math.max(t.box[2] * t.box[3], 1)));
      const cost = 1 - iou(t.box, d.box) + distance + 0.5 * size;
      if (cost <= this.maxCost) pairs.push([cost, r, c]);
    }));
    pairs.sort((a, b) => a[0] - b[0]);
    const matched = new Map();
    for (const [, r, c] of pairs) {
      if (matched.has(r) || [...matched.values()].includes(c)) continue;
      matched.set(r, c);
      this.absorb(this.tracks[r], found[c]);
    }
    this.tracks.forEach((t, r) => { if (!matched.has(r)) t.missed += 1; });
    const seen = this.tracks.filter((_, r) => matched.has(r));
    found.forEach((d, c) => {
      if ([...matched.values()].includes(c)) return;
      const track = { id: this.nextId++, box: [...d.box], velocity: [0, 0], landmarks: d.landmarks, missed: 0,
        since: 0, hits: 1 };
      this.tracks.push(track);
      seen.push(track);
    });
    this.removed = this.tracks.filter((t) => t.missed > this.maxAge);
    this.tracks = this.tracks.filter((t) => t.missed <= this.maxAge);
    return seen;
  }

  // A matched track: its centre moved to the detection's, velocity half-way to the step, size half-way.
  absorb(t, d) {
    const centre = [d.box[0] + d.box[2] / 2, d.box[1] + d.box[3] / 2];
    const was = [t.box[0] + t.box[2] / 2, t.box[1] + t.box[3] / 2];
    t.velocity = t.velocity.map((v, k) => v + (0.5 * (centre[k] - was[k])) / t.since);
    const size = [0.5 * t.box[2] + 0.5 * d.box[2], 0.5 * t.box[3] + 0.5 * d.box[3]];
    Object.assign(t, { box: [centre[0] - size[0] / 2, centre[1] - size[1] / 2, ...size], landmarks: d.landmarks,
      since: 0, missed: 0, hits: t.hits + 1 });
  }
}

function centreDistance(a, b) {
  const dx = a[0] + a[2] / 2 - (b[0] + b[2] / 2), dy = a[1] + a[3] / 2 - (b[1] + b[3] / 2);
  return Math.hypot(dx, dy) / Math.max(a[2], b[2], 1);
}

// The detection centred nearest a tracked face's predicted box, within REFIND_DISTANCE face widths; else none.
function closest(found, box) {
  const near = found.map((d) => [centreDistance(box, d.box), d]).sort((a, b) => a[0] - b[0]);
  return near.length && near[0][0] <= REFIND_DISTANCE ? [near[0][1]] : [];
}

// A re-found face's box as a region grown by REGROW of its size each side: what its own motion changed.
function grown([x, y, w, h]) {
  return [Math.trunc(x - REGROW * w), Math.trunc(y - REGROW * h), Math.trunc(x + w + REGROW * w) + 1,
    Math.trunc(y + h + REGROW * h) + 1];
}

// The frame model: on this thread from the start, and in a worker (scorer.js) once that one has opened it, where
// the browser allows one (the worker compiles the runtime again, so it would hold up the first label). `run` scores
// a batch of uint8 windows and resolves to their probabilities; one batch at a time, so the switch keeps the order.
class Scorer {
  static async open(modelUrl, binary, options) {
    const scorer = new Scorer(await ort.InferenceSession.create(modelUrl, options));
    scorer.moveToWorker(new URL(modelUrl, location.href).href, binary, options);
    return scorer;
  }

  constructor(session) {
    Object.assign(this, { session, worker: null, opened: null, busy: false, waiting: new Map(), next: 0, ms: 0 });
  }

  moveToWorker(model, binary, options) {
    let worker;
    try {
      worker = new Worker("scorer.js");
    } catch (err) {
      return;  // no workers here: the model stays on this thread
    }
    worker.onmessage = ({ data }) => {
      const { resolve, reject } = this.waiting.get(data.id);
      this.waiting.delete(data.id);
      if (data.error) reject(new Error(data.error));
      else resolve(data);
    };
    worker.onerror = (event) => {
      for (const { reject } of this.waiting.values()) reject(new Error(event.message || "the model's worker failed"));
      this.waiting.clear();
    };
    const paths = new URL("ort/", location.href).href;
    this.ask(worker, { open: { paths, binary, model, options } }).then(() => {
      this.opened = worker;
      if (!this.busy) this.switchToWorker();
    }, () => worker.terminate());
  }

  // The worker takes over between two batches; this thread's session is let go.
  switchToWorker() {
    [this.worker, this.opened] = [this.opened, null];
    this.session.release();
    this.session = null;
  }

  ask(worker, message) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  async run(windows, dims) {
    if (this.worker) {
      const { probs, ms } = await this.ask(this.worker, { windows, dims });
      this.ms += ms;
      return probs;
    }
    const started = performance.now(), input = new ort.Tensor("uint8", windows, dims);
    this.busy = true;
    try {
      const out = await this.session.run({ [this.session.inputNames[0]]: input });
      this.ms += performance.now() - started;
      return out[this.session.outputNames[0]].data;
    } finally {
      this.busy = false;
      if (this.opened) this.switchToWorker();
    }
  }
}

// The whole pipeline, one frame at a time: detect, track, crop, window, score, smooth, label (FacePipeline).
// `advance` finds and crops a frame's faces here and hands them to the scorer, which scores them while the next
// frame's are looked for; its `faces` resolve once they are scored (in frame order). `process` waits for them.
class OnDevicePipeline {
  static async load(url, config) {
    if (!ort.env.wasm.wasmBinary) ort.env.wasm.wasmBinary = await unpacked(RUNTIME);
    const options = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
    const open = (name) => ort.InferenceSession.create(url(`${name}.onnx`), options);
    const [pnet, rnet, onet, scorer] = await Promise.all([...["pnet", "rnet", "onet"].map(open),
      Scorer.open(url("model.onnx"), ort.env.wasm.wasmBinary, options)]);
    return new OnDevicePipeline(new Mtcnn([pnet, rnet, onet]), scorer, config);
  }

  constructor(detector, scorer, config) {
    Object.assign(this, { detector, scorer, classes: config.classes, frames: config.frames });
    this.size = config.input_size[0];
    this.crop = config.crop;
    marginBox([0, 0, 1, 1], this.crop);  // fail at load on a margin the page cannot cut
    Object.assign(this, { smoothing: config.smoothing, threshold: config.threshold });
    this.bands = config.detect_every || 3;
    this.coast = config.coast ?? 1;
    this.tracker = new Tracker();
    this.changes = new ChangeRegions();
    this.count = 0;
    this.scored = Promise.resolve();  // the last frame handed to the scorer, once scored
    this.spent = { detect: 0, track: 0, crop: 0, model: 0 };  // ms in each stage since load, over `count` frames
  }

  async process(rgba, w, h) {
    return (await this.advance(rgba, w, h)).faces;
  }

  async advance(rgba, w, h) {
    const t0 = performance.now(), grey = toGrey(rgba, w * h);
    const tracker = this.tracker;
    const lost = !tracker.tracks.length
      || tracker.tracks.some((t) => t.missed > 0 && t.missed <= NEAR_SEARCH_MAX_MISSED);
    const found = await this.detect(stretchContrast(grey, w, h), w, h, lost ? null : this.count % this.bands);
    this.count += 1;
    const t1 = performance.now(), seen = tracker.update(found);
    const coasting = tracker.tracks.filter((t) => !seen.includes(t) && t.missed >= 1 && t.missed <= this.coast
      && t.hits >= 2);
    const shown = seen.map((t) => [t, t.box.map(roundHalfEven)]);
    const carried = coasting.map((t) => [t, t.box.map(roundHalfEven)]);
    const t2 = performance.now(), windows = this.windows(grey, w, h, shown);
    this.spent.detect += t1 - t0;
    this.spent.track += t2 - t1;
    this.spent.crop += performance.now() - t2;
    await this.scored;  // one frame at a time with the scorer, so it never falls behind
    const model = this.scorer.ms, dims = [shown.length, this.frames, this.size, this.size];
    const scoring = shown.length ? this.scorer.run(windows, dims) : Promise.resolve(null);
    const faces = scoring.then((probs) => {
      this.spent.model += this.scorer.ms - model;
      const coasted = carried.filter(([t]) => t.smoothed).map(([t, box]) => this.face(t, box, true));
      return [...this.smoothed(shown, probs), ...coasted];
    });
    this.scored = faces.then(() => undefined, () => undefined);
    return { faces };
  }

  // Re-find each recent track around its predicted box, scan for newcomers and the tracks not re-found, then
  // look near each one still missing (FacePipeline._detect, band scans).
  async detect(grey, w, h, band) {
    const refound = [], missing = [], predicted = this.tracker.predicted(NEAR_SEARCH_MAX_MISSED);
    const whole = predicted.map((b) => b.map(roundHalfEven));
    const around = this.bands > 1 ? await this.detector.around(grey, w, h, whole) : [];
    predicted.forEach((box, i) => {
      const found = around.length ? closest(around[i], box) : [];
      refound.push(...found);
      if (!found.length) missing.push(box);
    });
    const detections = await this.scan(grey, w, h, band, missing, refound.map((d) => d.box));
    const searches = this.bands > 1 ? ["near"] : ["around", "near"];
    for (const box of missing) {
      for (const search of searches) {
        if (detections.some((d) => centreDistance(box, d.box) <= REFIND_DISTANCE)) break;
        const whole = box.map(roundHalfEven);
        const found = search === "near" ? await this.detector.near(grey, w, h, whole)
          : (await this.detector.around(grey, w, h, [whole]))[0];
        detections.push(...closest(found, box));
      }
    }
    return suppressOverlaps([...refound, ...detections]);
  }

  // Every size (band null), or one band of sizes, where the frame changed since that kind of scan, leaving out
  // the faces just re-found and adding the missing tracked faces of its sizes (FacePipeline._scan).
  async scan(grey, w, h, band, missing, known) {
    const min = this.detector.minFace, low = band === null ? null : min * Math.SQRT2 ** band;
    const high = band === null || band + 1 >= this.bands ? null : low * Math.SQRT2;
    const covers = band === null ? [...Array(this.bands).keys()] : [];
    const regions = this.changes.regions(grey, w, h, band === null ? this.bands : band, known.map(grown), covers);
    if (regions) {
      for (const [x, y, bw, bh] of missing) {
        const side = Math.max(bw, bh);
        if (low === null || (low / BOX_SLACK <= side && side <= (high || Infinity) * BOX_SLACK)) {
          regions.push([Math.trunc(x), Math.trunc(y), Math.trunc(x + bw) + 1, Math.trunc(y + bh) + 1]);
        }
      }
    }
    return this.detector.detect(grey, w, h, { minFace: low, maxFace: high, regions, known });
  }

  // The seen tracks' crops (cut at their shown boxes) pushed to their windows, as one uint8 batch.
  windows(grey, w, h, shown) {
    const windows = new Uint8Array(shown.length * this.frames * this.size * this.size);
    shown.forEach(([t, box], i) => {
      const [l, r] = t.landmarks || [[0, 0], [0, 0]];
      const roll = t.landmarks ? (Math.atan2(r[1] - l[1], r[0] - l[0]) * 180) / Math.PI : 0;
      t.crops = [...(t.crops || []), cropFace(grey, w, h, box, this.size, roll, this.crop)].slice(-this.frames);
      const padded = [...Array(this.frames - t.crops.length).fill(t.crops[0]), ...t.crops];
      padded.forEach((c, f) => windows.set(c, (i * this.frames + f) * this.size * this.size));
    });
    return windows;
  }

  // Each shown track's probabilities smoothed, and its face labelled.
  smoothed(shown, probs) {
    const n = this.classes.length;
    return shown.map(([t, box], i) => {
      const p = Array.from(probs.slice(i * n, i * n + n));
      t.smoothed = t.smoothed ? t.smoothed.map((s, c) => this.smoothing * s + (1 - this.smoothing) * p[c]) : p;
      return this.face(t, box, false);
    });
  }

  face(t, box, coasted) {
    const top = t.smoothed.indexOf(Math.max(...t.smoothed)), confidence = t.smoothed[top];
    const label = confidence < this.threshold ? "uncertain" : this.classes[top];
    return { track_id: t.id, box, label, confidence, coasted };
  }
}

// A gzipped file fetched and unpacked here, so that any static server sends it compressed.
async function unpacked(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} could not be loaded (${response.status})`);
  return new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

window.OnDevicePipeline = OnDevicePipeline;
