// AEGIS on the device, the image side: grey conversion, contrast stretch, resizing, box overlaps and the face crop,
// as aegis/faces/crop.py and aegis/faces/geometry.py do them (ondevice.js runs the pipeline).
"use strict";

// Python's round(): halves to the even neighbour, as the pipeline rounds boxes (track.int_box, crop.clip_box).
function roundHalfEven(v) {
  const floor = Math.floor(v);
  return v - floor === 0.5 ? floor + (floor % 2 === 0 ? 0 : 1) : Math.round(v);
}

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

// Area-averaging resize when shrinking (cv2.INTER_AREA), bilinear when growing (INTER_LINEAR, or INTER_AREA's with
// `growArea`): one pass along the rows, one down the columns, each through a table of the source pixels (and
// their shares) behind each output one. With `parts` ([x0, y0, x1, y1] of the output) a shrink computes only
// those pixels (each equal to the whole resize's; the rest stay 0).
function resize(src, sw, sh, dw, dh, growArea = false, parts = null) {
  if (dw >= sw && dh >= sh) return bilinear(src, sw, sh, dw, dh, growArea);
  const across = areaTaps(sw, dw), down = areaTaps(sh, dh);
  const rows = new Float32Array(sh * dw), out = new Uint8Array(dw * dh), acc = new Float64Array(dw);
  for (const [x0, y0, x1, y1] of parts || [[0, 0, dw, dh]]) {
    if (x1 <= x0 || y1 <= y0) continue;
    for (let y = down.index[down.start[y0]]; y <= down.index[down.start[y1] - 1]; y++) {
      const row = y * sw, to = y * dw;
      for (let x = x0; x < x1; x++) {
        let sum = 0;
        for (let t = across.start[x]; t < across.start[x + 1]; t++) sum += src[row + across.index[t]] * across.share[t];
        rows[to + x] = sum / across.step;
      }
    }
    for (let y = y0; y < y1; y++) {
      acc.fill(0, x0, x1);
      for (let t = down.start[y]; t < down.start[y + 1]; t++) {
        const from = down.index[t] * dw, share = down.share[t];
        for (let x = x0; x < x1; x++) acc[x] += rows[from + x] * share;
      }
      for (let x = x0; x < x1; x++) out[y * dw + x] = Math.round(acc[x] / down.step);
    }
  }
  return out;
}

// For each of `dn` output pixels over `sn` source ones: the source pixels it covers and the share of each.
function areaTaps(sn, dn) {
  const step = sn / dn, start = new Int32Array(dn + 1), index = [], share = [];
  for (let d = 0; d < dn; d++) {
    const a = d * step, b = a + step;
    start[d] = index.length;
    for (let k = Math.floor(a); k < Math.min(Math.ceil(b), sn); k++) {
      index.push(k);
      share.push(Math.min(k + 1, b) - Math.max(k, a));
    }
  }
  start[dn] = index.length;
  return { step, start, index: Int32Array.from(index), share: Float64Array.from(share) };
}

// cv2.resize's bilinear on uint8 (INTER_LINEAR; with `area`, INTER_AREA growing, which places the samples by
// overlap): its 11-bit fixed-point weights and its rounding, so the page's crops equal the Python ones.
function bilinear(src, sw, sh, dw, dh, area = false) {
  const across = linearTaps(sw, dw, area), down = linearTaps(sh, dh, area);
  const rows = new Int32Array(sh * dw), out = new Uint8Array(dw * dh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      const i = y * sw + across.offset[x];
      rows[y * dw + x] = x < across.last ? src[i] * across.weight[2 * x] + src[i + 1] * across.weight[2 * x + 1]
        : src[i] * 2048;
    }
  }
  for (let y = 0; y < dh; y++) {
    const r0 = down.offset[y] * dw, r1 = Math.min(down.offset[y] + 1, sh - 1) * dw;
    const b0 = down.weight[2 * y], b1 = down.weight[2 * y + 1];
    for (let x = 0; x < dw; x++) {  // OpenCV's vector path: 16-bit products, rounded in two steps
      const v = ((((rows[r0 + x] >> 4) * b0) >> 16) + (((rows[r1 + x] >> 4) * b1) >> 16) + 2) >> 2;
      out[y * dw + x] = Math.min(Math.max(v, 0), 255);
    }
  }
  return out;
}

// For each of `dn` output pixels over `sn` source ones: the first source pixel and the two weights (of 2048),
// computed in single precision as OpenCV does; `last`: the first output pixel with no second source pixel.
function linearTaps(sn, dn, area) {
  const inv = dn / sn, scale = 1 / inv, offset = new Int32Array(dn), weight = new Int32Array(2 * dn);
  let last = dn;
  for (let d = 0; d < dn; d++) {
    let sx, fx;
    if (area) {
      sx = Math.floor(d * scale);
      fx = Math.fround(d + 1 - (sx + 1) * inv);
      fx = fx <= 0 ? 0 : Math.fround(fx - Math.floor(fx));
    } else {
      fx = Math.fround((d + 0.5) * scale - 0.5);
      sx = Math.floor(fx);
      fx = Math.fround(fx - sx);
    }
    if (sx < 0) [fx, sx] = [0, 0];
    if (sx + 1 >= sn) {
      last = Math.min(last, d);
      if (sx >= sn - 1) [fx, sx] = [0, sn - 1];
    }
    offset[d] = sx;
    weight[2 * d] = roundHalfEven(Math.fround(Math.fround(1 - fx) * 2048));
    weight[2 * d + 1] = roundHalfEven(Math.fround(fx * 2048));
  }
  return { offset, weight, last };
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

// The cw x ch part of a grey frame `w` pixels wide from (x0, y0), as its own image (inside the frame).
function cut(grey, w, x0, y0, cw, ch) {
  const part = new Uint8Array(cw * ch);
  for (let r = 0; r < ch; r++) part.set(grey.subarray((y0 + r) * w + x0, (y0 + r) * w + x0 + cw), r * cw);
  return part;
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
    const x = Math.min(Math.max(roundHalfEven(box[0]), 0), w - 1);
    const y = Math.min(Math.max(roundHalfEven(box[1]), 0), h - 1);
    const bw = Math.min(Math.max(roundHalfEven(box[0] + box[2]), x + 1), w) - x;  // crop.clip_box
    const bh = Math.min(Math.max(roundHalfEven(box[1] + box[3]), y + 1), h) - y;
    const patch = cut(grey, w, x, y, bw, bh);
    return bw > size ? resize(patch, bw, bh, size, size) : bilinear(patch, bw, bh, size, size);
  }
  const [x, y, bw, bh] = box, a = (roll * Math.PI) / 180, cos = Math.cos(a), sin = Math.sin(a);
  const cx = x + bw / 2, cy = y + bh / 2;
  // only the part of the frame the turned box can reach (its border is the frame's where the box leaves it)
  const reach = Math.ceil(0.71 * Math.max(bw, bh)) + 2, rx = roundHalfEven(cx), ry = roundHalfEven(cy);
  const x0 = Math.min(Math.max(rx - reach, 0), w - 1), y0 = Math.min(Math.max(ry - reach, 0), h - 1);
  const pw = Math.max(Math.min(rx + reach, w), x0 + 1) - x0, ph = Math.max(Math.min(ry + reach, h), y0 + 1) - y0;
  let src = cut(grey, w, x0, y0, pw, ph), sw = pw, sh = ph, k = 1;  // k: frame pixels per source pixel
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

