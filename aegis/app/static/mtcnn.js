// AEGIS on the device: MTCNN (aegis/faces/mtcnn.py) on the same three graphs, on ONNX Runtime Web. The pyramid,
// regions, box regression, NMS and landmark decoding follow the Python line by line.
"use strict";

const CELL = 12, STRIDE = 2;  // P-Net: one output per 2 pixels, each for a 12x12 window
const BOX_SLACK = 1.5;  // faces/base.py: a box can be this many times larger or smaller than its face size
const REGION_FACE_SIDE = 40, REGION_FACE_BAND = [0.7, 1.4];  // faces/geometry.py's region searches

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
    const small = resize(patch, pw, ph, size, size, true);  // cv2.INTER_AREA, growing or shrinking
    for (let x = 0; x < size; x++) {
      for (let y = 0; y < size; y++) out[k * size * size + x * size + y] = small[y * size + x];
    }
  });
  return out;
}

// The part of a pyramid level at `scale` where a face of its size overlaps `region` (frame pixels), from even
// level pixels and of even size (or to the level's edge), so its P-Net cells are the whole level's (_level_part).
function levelPart(lw, lh, [x0, y0, x1, y1], scale) {
  const grow = BOX_SLACK * CELL;
  const left = Math.floor(Math.max(Math.trunc(x0 * scale - grow), 0) / STRIDE) * STRIDE;
  const top = Math.floor(Math.max(Math.trunc(y0 * scale - grow), 0) / STRIDE) * STRIDE;
  let right = Math.min(Math.ceil(x1 * scale + grow), lw), bottom = Math.min(Math.ceil(y1 * scale + grow), lh);
  right = Math.min(right + ((right - left) % 2), lw);
  bottom = Math.min(bottom + ((bottom - top) % 2), lh);
  return [left, top, right, bottom];
}

// The regions, those whose level parts at `scale` would overlap joined into one (_merged).
function merged(regions, scale) {
  const grow = (2 * BOX_SLACK * CELL) / scale, out = regions.map((r) => [...r]);
  for (let joined = true; joined;) {
    joined = false;
    for (let i = 0; i < out.length && !joined; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i], b = out[j];
        if (a[0] - grow < b[2] && b[0] - grow < a[2] && a[1] - grow < b[3] && b[1] - grow < a[3]) {
          out[i] = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
          out.splice(j, 1);
          joined = true;
          break;
        }
      }
    }
  }
  return out;
}

// The part [x0, y0, x1, y1] of a level of size `from` that an area resize to `to` reads for the part `r` of its
// output (image.js areaTaps).
function footprint([x0, y0, x1, y1], from, to) {
  const sx = from[0] / to[0], sy = from[1] / to[1];
  return [Math.floor(x0 * sx), Math.floor(y0 * sy), Math.min(Math.ceil(x1 * sx), from[0]),
    Math.min(Math.ceil(y1 * sy), from[1])];
}

// Rectangles [x0, y0, x1, y1], those that overlap joined into the one around them, until none overlap.
function joined(rects) {
  const out = rects.map((r) => [...r]);
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i], b = out[j];
      if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) {
        out[i] = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
        out.splice(j, 1);
        j = i;  // the grown one may now overlap one already passed
      }
    }
  }
  return out;
}

function centredIn(b, faces) {
  const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
  return faces.some(([x, y, w, h]) => cx >= x && cx <= x + w && cy >= y && cy <= y + h);
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

  // Faces of `minFace` to about `maxFace` pixels in a grey frame, best first: [{box: [x, y, w, h] framed like the
  // training crops, score, landmarks: [[x, y] x5]}]; with `regions`, those overlapping one of them. Candidates
  // centred in a `known` face are dropped before R-Net (MtcnnDetector.__call__).
  async detect(grey, w, h, { minFace = null, maxFace = null, regions = null, known = [] } = {}) {
    if (regions && !regions.length) return [];
    let boxes = await this.propose(grey, w, h, minFace || this.minFace, maxFace, regions);
    if (known.length) boxes = boxes.filter((b) => !centredIn(b, known));
    if (boxes.length) boxes = await this.refine(grey, w, h, boxes);
    if (!boxes.length) return [];
    const found = suppressOverlaps(await this.output(grey, w, h, boxes));
    return maxFace ? found.filter((d) => d.box[2] <= BOX_SLACK * maxFace) : found;
  }

  // P-Net over the pyramid (each level resized from the one before) from `minFace` up to `maxFace`, on whole
  // levels or on their parts over `regions`: square candidate boxes [x1, y1, x2, y2, score].
  async propose(grey, w, h, minFace, maxFace, regions) {
    const levels = this.pyramid(w, h, minFace, maxFace, regions), found = [];
    let level = grey, [lw, lh] = [w, h];
    for (const { scale, size, parts, needed } of levels) {
      if (needed && !needed.length) break;  // nothing read here, nor on any smaller level
      level = resize(level, lw, lh, ...size, false, needed);
      [lw, lh] = size;
      const cand = [], cells = new Set();
      for (const [left, top, right, bottom] of parts) {
        const pw = right - left, ph = bottom - top;
        const transposed = new Uint8Array(pw * ph);  // fed as (1, 1, W, H)
        for (let y = 0; y < ph; y++) {
          for (let x = 0; x < pw; x++) transposed[x * ph + y] = level[(top + y) * lw + left + x];
        }
        const [reg, prob] = await this.run(0, transposed, [1, 1, pw, ph]);
        const [, cw, ch] = prob.dims;
        for (let cx = 0; cx < cw; cx++) {
          for (let cy = 0; cy < ch; cy++) {
            const cell = cx * ch + cy, score = prob.data[cell * 2 + 1];
            const x = STRIDE * cx + left, y = STRIDE * cy + top;
            if (score < this.thresholds[0] || cells.has(y * lw + x)) continue;  // parts may share a cell
            cells.add(y * lw + x);
            cand.push([Math.trunc((x + 1) / scale), Math.trunc((y + 1) / scale), Math.trunc((x + CELL) / scale),
              Math.trunc((y + CELL) / scale), score, ...reg.data.slice(cell * 4, cell * 4 + 4)]);
          }
        }
      }
      found.push(...nms(cand, 0.5));
    }
    return nms(found, 0.7).map((b) => square(regress(b.slice(0, 5), b.slice(5), false)));
  }

  // The pyramid's levels from `minFace` up to `maxFace`: each one's scale, size, the parts P-Net runs on (whole,
  // or over `regions`), and the parts it must hold: its own and those the next level is resized from.
  pyramid(w, h, minFace, maxFace, regions) {
    const levels = [], smallest = maxFace ? CELL / maxFace : 0;
    for (let scale = CELL / minFace; Math.min(w, h) * scale >= CELL && scale >= smallest; scale *= this.factor) {
      const size = [Math.ceil(w * scale), Math.ceil(h * scale)];
      const parts = (regions ? merged(regions, scale).map((r) => levelPart(...size, r, scale)) : [[0, 0, ...size]])
        .filter(([x0, y0, x1, y1]) => Math.min(x1 - x0, y1 - y0) >= CELL);
      levels.push({ scale, size, parts });
    }
    for (let k = levels.length - 1; k >= 0; k--) {
      const { size, parts } = levels[k], next = levels[k + 1], [lw, lh] = k ? levels[k - 1].size : [w, h];
      const whole = [[0, 0, ...size]];
      const below = !next ? [] : next.needed ? next.needed.map((r) => footprint(r, size, next.size)) : whole;
      const grown = size[0] >= lw && size[1] >= lh;  // computed whole
      levels[k].needed = grown ? null : joined([...parts, ...below]);
    }
    return levels;
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

  // O-Net alone on each tracked face's box, framed as O-Net frames a face, with the lower cut of a face seen a
  // moment ago (MtcnnDetector.around), in one batch: for each box, the face there, or nothing.
  async around(grey, w, h, boxes) {
    const [fw, fh, cx, cy] = this.boxInCrop;
    const inside = boxes.map((b) => {  // a box whose region in the frame is under a P-Net cell is not looked at
      const [x0, y0, x1, y1] = regionAround(b, w, h);
      return x1 - x0 >= CELL && y1 - y0 >= CELL;
    });
    const candidates = boxes.filter((_, i) => inside[i]).map(([x, y, bw, bh]) => {
      const half = Math.max(fw * bw, fh * bh) / 2, mx = x + cx * bw, my = y + cy * bh;
      return [mx - half, my - half, mx + half, my + half].map(Math.trunc);
    });
    const rows = candidates.length ? await this.onet(grey, w, h, candidates) : [];
    return inside.map((ok) => {
      const b = ok ? rows.shift() : null;
      return b && b[4] > this.refindThreshold ? [this.detection(b)] : [];
    });
  }

  // A lost face looked for in the region three times its box around it, resized so the box is REGION_FACE_SIDE
  // pixels wide, at about its size (MtcnnDetector.near): the best face there, or nothing.
  async near(grey, w, h, box) {
    const [x0, y0, x1, y1] = regionAround(box, w, h);
    if (x1 - x0 < 8 || y1 - y0 < 8) return [];
    const scale = REGION_FACE_SIDE / Math.max(box[2], box[3], 1);
    const rw = Math.round((x1 - x0) * scale), rh = Math.round((y1 - y0) * scale);
    const region = resize(cut(grey, w, x0, y0, x1 - x0, y1 - y0), x1 - x0, y1 - y0, rw, rh);
    const [low, high] = REGION_FACE_BAND.map((f) => REGION_FACE_SIDE * f);
    const found = await this.detect(region, rw, rh, { minFace: Math.max(low, CELL), maxFace: high });
    return found.slice(0, 1).map((d) => rescaled(d, 1 / scale, x0, y0));
  }

  async output(grey, w, h, boxes, threshold = this.thresholds[2]) {
    const kept = (await this.onet(grey, w, h, boxes)).filter((b) => b[4] > threshold);
    return nms(kept, 0.7, true).map((b) => this.detection(b));
  }

  // O-Net on 48x48 crops of the boxes: each regressed, [x1, y1, x2, y2, score, landmarks].
  async onet(grey, w, h, boxes) {
    const [reg, marks, prob] = await this.run(2, crops(grey, w, h, boxes, 48), [boxes.length, 1, 48, 48]);
    return boxes.map((b, i) => {
      const bw = b[2] - b[0] + 1, bh = b[3] - b[1] + 1, m = marks.data.slice(i * 10, i * 10 + 10);
      const points = [0, 1, 2, 3, 4].map((k) => [b[0] + bw * m[k] - 1, b[1] + bh * m[k + 5] - 1]);
      return [...regress([...b.slice(0, 4), prob.data[i * 2 + 1]], reg.data.slice(i * 4, i * 4 + 4), true), points];
    });
  }

  detection(b) {
    return { box: this.cropBox(b), score: b[4], landmarks: b[5] };
  }

  cropBox([x1, y1, x2, y2]) {
    const [bw, bh, cx, cy] = this.boxInCrop, side = ((x2 - x1) / bw + (y2 - y1) / bh) / 2;
    const left = (x1 + x2) / 2 - cx * side, top = (y1 + y2) / 2 - cy * side;
    return [left, top, side, side].map(roundHalfEven);
  }
}

// (x0, y0, x1, y1) of the region three times a box's size around it, in a w x h frame (geometry.region_around).
function regionAround([x, y, bw, bh], w, h) {
  return [Math.max(Math.trunc(x - bw), 0), Math.max(Math.trunc(y - bh), 0), Math.min(Math.trunc(x + 2 * bw), w),
    Math.min(Math.trunc(y + 2 * bh), h)];
}

// A detection found in a scaled or cut-out image, mapped back to the frame (geometry.rescaled).
function rescaled(d, factor, dx, dy) {
  const [x, y, bw, bh] = d.box;
  const box = [x * factor + dx, y * factor + dy, bw * factor, bh * factor].map(roundHalfEven);
  return { box, score: d.score, landmarks: d.landmarks.map(([px, py]) => [px * factor + dx, py * factor + dy]) };
}
