// AEGIS on the device: the pipeline of aegis/runtime/stream.py in the browser, on ONNX Runtime Web (WASM).
// MTCNN finds faces (the same three graphs as aegis/faces/mtcnn.py), a tracker keeps their IDs, each face is cut
// with its eye line levelled (aegis/faces/crop.py) as a uint8 crop, and the shipped frame model, which scales and
// normalises inside its graph, scores it. No frame, crop or result leaves the page.
"use strict";

const CELL = 12, STRIDE = 2;
const BANDS = 3;  // with every tracked face re-found, a frame scans one level in three (runtime/stream.py's bands)

// cv2.COLOR_RGB2GRAY's fixed-point weights, on canvas RGBA pixels.
function toGrey(rgba, n) {
  const grey = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    grey[i] = (rgba[j] * 4899 + rgba[j + 1] * 9617 + rgba[j + 2] * 1868 + 8192) >> 14;
  }
  return grey;
}

// A dark or flat frame stretched to full contrast for detection (crop.stretch_contrast: every 8th pixel).
function stretchContrast(grey, w, h) {
  const hist = new Float64Array(256);
  let total = 0;
  for (let y = 0; y < h; y += 8) for (let x = 0; x < w; x += 8) { hist[grey[y * w + x]]++; total++; }
  const at = (share) => {  // np.searchsorted on the cumulative counts
    let c = 0;
    for (let i = 0; i < 256; i++) {
      c += hist[i];
      if (c >= share * total) return i;
    }
    return 255;
  };
  const low = at(0.01), high = at(0.99);
  if (high - low >= 128) return grey;
  const lut = new Uint8Array(256);
  const span = Math.max(high - low, 16);
  for (let i = 0; i < 256; i++) lut[i] = Math.max(0, Math.min(255, Math.floor(((i - low) * 255) / span)));
  return grey.map((v) => lut[v]);
}

// Area-averaging resize when shrinking (cv2.INTER_AREA), bilinear when growing (cv2.INTER_LINEAR).
function resize(src, sw, sh, dw, dh) {
  if (dw >= sw && dh >= sh) return bilinear(src, sw, sh, dw, dh);
  const rows = new Float32Array(sh * dw), out = new Uint8Array(dw * dh);
  const sx = sw / dw, sy = sh / dh;
  for (let x = 0; x < dw; x++) {
    const a = x * sx, b = a + sx;
    for (let y = 0; y < sh; y++) {
      let acc = 0;
      for (let k = Math.floor(a); k < Math.min(Math.ceil(b), sw); k++) {
        acc += src[y * sw + k] * (Math.min(k + 1, b) - Math.max(k, a));
      }
      rows[y * dw + x] = acc / sx;
    }
  }
  for (let y = 0; y < dh; y++) {
    const a = y * sy, b = a + sy;
    for (let x = 0; x < dw; x++) {
      let acc = 0;
      for (let k = Math.floor(a); k < Math.min(Math.ceil(b), sh); k++) {
        acc += rows[k * dw + x] * (Math.min(k + 1, b) - Math.max(k, a));
      }
      out[y * dw + x] = Math.round(acc / sy);
    }
  }
  return out;
}

function bilinear(src, sw, sh, dw, dh) {
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * sh) / dh - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, sh - 1), wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * sw) / dw - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, sw - 1), wx = fx - x0;
      const top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
      const bottom = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
      out[y * dw + x] = Math.round(top * (1 - wy) + bottom * wy);
    }
  }
  return out;
}

// Greedy non-maximum suppression of [x1, y1, x2, y2, score, ...] rows (mtcnn.nms): the kept rows, best first.
function nms(boxes, overlap, byMin = false) {
  const order = boxes.map((_, i) => i).sort((i, j) => boxes[j][4] - boxes[i][4]), keep = [];
  const area = (b) => (b[2] - b[0] + 1) * (b[3] - b[1] + 1);
  let rest = order;
  while (rest.length) {
    const i = rest[0], a = boxes[i];
    keep.push(a);
    rest = rest.slice(1).filter((j) => {
      const b = boxes[j];
      const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1);
      const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1);
      const inter = iw * ih, denom = byMin ? Math.min(area(a), area(b)) : area(a) + area(b) - inter;
      return inter / denom <= overlap;
    });
  }
  return keep;
}

function regress(b, reg, plusOne) {
  const w = b[2] - b[0] + (plusOne ? 1 : 0), h = b[3] - b[1] + (plusOne ? 1 : 0);
  return [b[0] + reg[0] * w, b[1] + reg[1] * h, b[2] + reg[2] * w, b[3] + reg[3] * h, ...b.slice(4)];
}

function square(b) {
  const w = b[2] - b[0], h = b[3] - b[1], side = Math.max(w, h);
  const x1 = Math.trunc(b[0] + (w - side) / 2), y1 = Math.trunc(b[1] + (h - side) / 2);
  return [x1, y1, Math.trunc(b[0] + (w - side) / 2 + side), Math.trunc(b[1] + (h - side) / 2 + side), ...b.slice(4)];
}

// (N, 1, size, size) transposed crops of boxes, zero outside the image (mtcnn._crops, fed as (N, 1, W, H)).
function crops(grey, w, h, boxes, size) {
  const out = new Uint8Array(boxes.length * size * size);
  boxes.forEach((b, k) => {
    const [x1, y1, x2, y2] = b.slice(0, 4).map(Math.trunc);
    const pw = Math.max(x2 - x1 + 1, 1), ph = Math.max(y2 - y1 + 1, 1);
    const patch = new Uint8Array(pw * ph);
    for (let y = Math.max(y1, 0); y < Math.min(y2 + 1, h); y++) {
      for (let x = Math.max(x1, 0); x < Math.min(x2 + 1, w); x++) patch[(y - y1) * pw + (x - x1)] = grey[y * w + x];
    }
    const small = resize(patch, pw, ph, size, size);
    for (let x = 0; x < size; x++) {
      for (let y = 0; y < size; y++) out[k * size * size + x * size + y] = small[y * size + x];
    }
  });
  return out;
}

class Mtcnn {
  constructor(nets, { minFace = 20, factor = 0.709, thresholds = [0.6, 0.7, 0.7], refindThreshold = 0.5,
    boxInCrop = [0.80, 1.057, 0.486, 0.513] } = {}) {
    Object.assign(this, { nets, minFace, factor, thresholds, refindThreshold, boxInCrop });
  }

  async run(net, data, dims) {
    const session = this.nets[net];
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor("uint8", data, dims) });
    return session.outputNames.map((name) => out[name]);
  }

  // Faces in a grey frame: [{box: [x, y, w, h] framed like the training crops, score, landmarks: [[x, y] x5]}];
  // with `band` (0, 1 or 2), only every third pyramid level from that one is scanned.
  async detect(grey, w, h, band = null) {
    let boxes = await this.propose(grey, w, h, band);
    if (boxes.length) boxes = await this.refine(grey, w, h, boxes);
    if (!boxes.length) return [];
    return suppressOverlaps(await this.output(grey, w, h, boxes));
  }

  async propose(grey, w, h, band) {
    let scale = CELL / this.minFace, level = grey, lw = w, lh = h;
    const found = [];
    for (let index = 0; Math.min(w, h) * scale >= CELL; index++, scale *= this.factor) {
      const nw = Math.ceil(w * scale), nh = Math.ceil(h * scale);
      level = resize(level, lw, lh, nw, nh);
      [lw, lh] = [nw, nh];
      if (band !== null && index % BANDS !== band) continue;
      const transposed = new Uint8Array(nw * nh);
      for (let y = 0; y < nh; y++) for (let x = 0; x < nw; x++) transposed[x * nh + y] = level[y * nw + x];
      const [reg, prob] = await this.run(0, transposed, [1, 1, nw, nh]);
      const [, cw, ch] = prob.dims, cand = [];
      for (let cx = 0; cx < cw; cx++) {
        for (let cy = 0; cy < ch; cy++) {
          const cell = cx * ch + cy, score = prob.data[cell * 2 + 1];
          if (score < this.thresholds[0]) continue;
          const x = STRIDE * cx, y = STRIDE * cy;
          cand.push([Math.trunc((x + 1) / scale), Math.trunc((y + 1) / scale), Math.trunc((x + CELL) / scale),
            Math.trunc((y + CELL) / scale), score, ...reg.data.slice(cell * 4, cell * 4 + 4)]);
        }
      }
      found.push(...nms(cand, 0.5));
    }
    return nms(found, 0.7).map((b) => square(regress(b.slice(0, 5), b.slice(5), false)));
  }

  async refine(grey, w, h, boxes) {
    const [reg, prob] = await this.run(1, crops(grey, w, h, boxes, 24), [boxes.length, 1, 24, 24]);
    const kept = [];
    boxes.forEach((b, i) => {
      const score = prob.data[i * 2 + 1];
      if (score > this.thresholds[1]) kept.push([...b.slice(0, 4), score, ...reg.data.slice(i * 4, i * 4 + 4)]);
    });
    return nms(kept, 0.7).map((b) => square(regress(b.slice(0, 5), b.slice(5), true)));
  }

  // O-Net alone on a tracked face's box, framed as O-Net frames a face, with the lower cut of a face seen a moment
  // ago (mtcnn.MtcnnDetector.around): the face there, or nothing.
  async around(grey, w, h, [x, y, bw, bh]) {
    const [fw, fh, cx, cy] = this.boxInCrop, half = Math.max(fw * bw, fh * bh) / 2;
    const mx = x + cx * bw, my = y + cy * bh;
    const candidate = [mx - half, my - half, mx + half, my + half, 1].map((v, i) => (i < 4 ? Math.trunc(v) : v));
    return suppressOverlaps(await this.output(grey, w, h, [candidate], this.refindThreshold));
  }

  async output(grey, w, h, boxes, threshold = this.thresholds[2]) {
    const [reg, marks, prob] = await this.run(2, crops(grey, w, h, boxes, 48), [boxes.length, 1, 48, 48]);
    const kept = [];
    boxes.forEach((b, i) => {
      const score = prob.data[i * 2 + 1];
      if (score <= threshold) return;
      const bw = b[2] - b[0] + 1, bh = b[3] - b[1] + 1, m = marks.data.slice(i * 10, i * 10 + 10);
      const points = [0, 1, 2, 3, 4].map((k) => [b[0] + bw * m[k] - 1, b[1] + bh * m[k + 5] - 1]);
      kept.push([...regress([...b.slice(0, 4), score], reg.data.slice(i * 4, i * 4 + 4), true), points]);
    });
    return nms(kept, 0.7, true).map((b) => ({ box: this.cropBox(b), score: b[4], landmarks: b[5] }));
  }

  cropBox([x1, y1, x2, y2]) {
    const [bw, bh, cx, cy] = this.boxInCrop, side = ((x2 - x1) / bw + (y2 - y1) / bh) / 2;
    const left = (x1 + x2) / 2 - cx * side, top = (y1 + y2) / 2 - cy * side;
    return [Math.round(left), Math.round(top), Math.round(side), Math.round(side)];
  }
}

function suppressOverlaps(dets, overlap = 0.5) {
  const kept = [];
  for (const d of [...dets].sort((a, b) => b.score - a.score)) {
    if (kept.every((k) => overlapOfSmaller(d.box, k.box) <= overlap)) kept.push(d);
  }
  return kept;
}

// The overlap area of two [x, y, w, h] boxes.
function intersection(a, b) {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w <= 0 || h <= 0 ? 0 : w * h;
}

function overlapOfSmaller(a, b) {
  return intersection(a, b) / Math.min(a[2] * a[3], b[2] * b[3]);
}

function iou(a, b) {
  const inter = intersection(a, b);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

// A face box grown or shrunk by the model's crop margin (crop.margin_box).
function marginBox([x, y, w, h], crop) {
  if (crop === "bigfacex") return [x - 0.1 * w, y - 0.1 * h, 1.2 * w, 1.2 * h];
  if (crop === "faceparty") return [x + 0.1 * w, y + 0.2 * h, 0.8 * w, 0.8 * h];
  if (crop === "none") return [x, y, w, h];
  throw new Error(`the on-device page cannot cut the crop margin ${crop}`);
}

// The face cut as crop.crop_face does: straight, or turned about the box centre by the eye line's roll
// (bilinear, border repeated; a face over twice the crop shrunk first), as a size x size uint8 crop.
function cropFace(grey, w, h, faceBox, size, roll, crop) {
  const box = marginBox(faceBox, crop);
  if (Math.abs(roll) < 0.5) {
    const x = Math.min(Math.max(Math.round(box[0]), 0), w - 1), y = Math.min(Math.max(Math.round(box[1]), 0), h - 1);
    const bw = Math.min(Math.max(Math.round(box[0] + box[2]), x + 1), w) - x;  // crop.clip_box
    const bh = Math.min(Math.max(Math.round(box[1] + box[3]), y + 1), h) - y;
    const patch = new Uint8Array(bw * bh);
    for (let r = 0; r < bh; r++) patch.set(grey.subarray((y + r) * w + x, (y + r) * w + x + bw), r * bw);
    return bw > size ? resize(patch, bw, bh, size, size) : bilinear(patch, bw, bh, size, size);
  }
  const [x, y, bw, bh] = box, a = (roll * Math.PI) / 180, cos = Math.cos(a), sin = Math.sin(a);
  const cx = x + bw / 2, cy = y + bh / 2;
  // only the part of the frame the turned box can reach (its border is the frame's where the box leaves it)
  const reach = Math.ceil(0.71 * Math.max(bw, bh)) + 2, rx = Math.round(cx), ry = Math.round(cy);
  const x0 = Math.min(Math.max(rx - reach, 0), w - 1), y0 = Math.min(Math.max(ry - reach, 0), h - 1);
  const pw = Math.max(Math.min(rx + reach, w), x0 + 1) - x0, ph = Math.max(Math.min(ry + reach, h), y0 + 1) - y0;
  let src = new Uint8Array(pw * ph), sw = pw, sh = ph, k = 1;  // k: frame pixels per source pixel
  for (let r = 0; r < ph; r++) src.set(grey.subarray((y0 + r) * w + x0, (y0 + r) * w + x0 + pw), r * pw);
  if (bw > 2 * size && Math.min(pw, ph) > 1) {  // shrink first, so the bilinear sampling does not alias
    k = bw / (2 * size);
    sw = Math.max(1, Math.round(pw / k));
    sh = Math.max(1, Math.round(ph / k));
    src = resize(src, pw, ph, sw, sh);
  }
  const out = new Uint8Array(size * size);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const tx = x + (u * bw) / size - cx, ty = y + (v * bh) / size - cy;  // cv2.warpAffine's pixel grid
      // the inverse of the turn: a point of the turned (level) face back in the frame
      const fx = (cos * tx - sin * ty + cx - x0) / k, fy = (sin * tx + cos * ty + cy - y0) / k;
      const px = Math.min(Math.max(fx, 0), sw - 1), py = Math.min(Math.max(fy, 0), sh - 1);
      const c0 = Math.floor(px), r0 = Math.floor(py), c1 = Math.min(c0 + 1, sw - 1), r1 = Math.min(r0 + 1, sh - 1);
      const wx = px - c0, wy = py - r0;
      out[v * size + u] = Math.round((src[r0 * sw + c0] * (1 - wx) + src[r0 * sw + c1] * wx) * (1 - wy)
        + (src[r1 * sw + c0] * (1 - wx) + src[r1 * sw + c1] * wx) * wy);
    }
  }
  return out;
}

// The whole pipeline, one frame at a time: detect, track, crop, window, score, smooth, label.
class OnDevicePipeline {
  static async load(url, config) {
    const options = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
    const open = (name) => ort.InferenceSession.create(url(`${name}.onnx`), options);
    const [pnet, rnet, onet, model] = await Promise.all(["pnet", "rnet", "onet", "model"].map(open));
    return new OnDevicePipeline(new Mtcnn([pnet, rnet, onet]), model, config);
  }

  constructor(detector, model, config) {
    Object.assign(this, { detector, model, classes: config.classes, frames: config.frames });
    this.size = config.input_size[0];
    this.crop = config.crop;
    marginBox([0, 0, 1, 1], this.crop);  // fail at load on a margin the page cannot cut
    this.smoothing = config.smoothing;
    this.threshold = config.threshold;
    this.tracks = [];
    this.nextId = 1;
    this.count = 0;
  }

  async process(rgba, w, h) {
    const grey = toGrey(rgba, w * h);
    const prepared = stretchContrast(grey, w, h);
    const found = [];
    for (const t of this.tracks) {  // each tracked face moved along its velocity, and re-found there first
      t.box = [t.box[0] + t.velocity[0], t.box[1] + t.velocity[1], t.box[2], t.box[3]];
      t.since += 1;
      found.push(...(await this.detector.around(prepared, w, h, t.box)));
    }
    const band = this.tracks.length && found.length >= this.tracks.length ? this.count++ % BANDS : null;
    const scanned = await this.detector.detect(prepared, w, h, band);
    found.push(...scanned.filter((d) => !found.some((f) => iou(d.box, f.box) > 0.3)));
    const tracks = this.match(found);
    if (!tracks.length) return [];
    const windows = new Uint8Array(tracks.length * this.frames * this.size * this.size);
    tracks.forEach((t, i) => {
      t.shown = t.box.map(Math.round);  // track.int_box
      const [l, r] = t.landmarks || [[0, 0], [0, 0]];
      const roll = t.landmarks ? (Math.atan2(r[1] - l[1], r[0] - l[0]) * 180) / Math.PI : 0;
      t.crops = [...(t.crops || []), cropFace(grey, w, h, t.shown, this.size, roll, this.crop)].slice(-this.frames);
      const padded = [...Array(this.frames - t.crops.length).fill(t.crops[0]), ...t.crops];
      padded.forEach((c, f) => windows.set(c, (i * this.frames + f) * this.size * this.size));
    });
    const input = new ort.Tensor("uint8", windows, [tracks.length, this.frames, this.size, this.size]);
    const probs = (await this.model.run({ [this.model.inputNames[0]]: input }))[this.model.outputNames[0]].data;
    const n = this.classes.length;
    return tracks.map((t, i) => {
      const p = Array.from(probs.slice(i * n, i * n + n));
      t.smoothed = t.smoothed ? t.smoothed.map((s, c) => this.smoothing * s + (1 - this.smoothing) * p[c]) : p;
      const top = t.smoothed.indexOf(Math.max(...t.smoothed)), confidence = t.smoothed[top];
      const label = confidence < this.threshold ? "uncertain" : this.classes[top];
      return { track_id: t.id, box: t.shown, label, confidence };
    });
  }

  // Each detection joins the track it overlaps most (IoU over 0.3, greedy), else starts one; unmatched tracks end.
  // A joined track moves its centre to the detection's, its velocity half-way to the step, and its size
  // half-way to the detection's (faces/track.py's steadier boxes).
  match(found) {
    const pairs = [];
    found.forEach((d, i) => this.tracks.forEach((t, j) => {
      const overlap = iou(d.box, t.box);
      if (overlap > 0.3) pairs.push([overlap, i, j]);
    }));
    pairs.sort((a, b) => b[0] - a[0]);
    const usedD = new Set(), usedT = new Set(), next = [];
    for (const [, i, j] of pairs) {
      if (usedD.has(i) || usedT.has(j)) continue;
      usedD.add(i); usedT.add(j);
      const t = this.tracks[j], d = found[i].box;
      const centre = [d[0] + d[2] / 2, d[1] + d[3] / 2], was = [t.box[0] + t.box[2] / 2, t.box[1] + t.box[3] / 2];
      t.velocity = t.velocity.map((v, k) => v + (0.5 * (centre[k] - was[k])) / t.since);
      const size = [0.5 * t.box[2] + 0.5 * d[2], 0.5 * t.box[3] + 0.5 * d[3]];
      next.push(Object.assign(t, { box: [centre[0] - size[0] / 2, centre[1] - size[1] / 2, ...size], since: 0,
        landmarks: found[i].landmarks }));
    }
    found.forEach((d, i) => {
      if (usedD.has(i)) return;
      next.push({ id: this.nextId++, box: d.box, landmarks: d.landmarks, velocity: [0, 0], since: 0 });
    });
    this.tracks = next;
    return next;
  }
}

window.OnDevicePipeline = OnDevicePipeline;
