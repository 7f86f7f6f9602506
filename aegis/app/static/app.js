// AEGIS live page: each camera frame goes through the pipeline on this device (ondevice.js), or, in server mode,
// to /ws as JPEG; the faces are drawn as emoji over each head.
"use strict";

const $ = (id) => document.getElementById(id);
const video = $("video"), remote = $("remote"), overlay = $("overlay"), ctx = overlay.getContext("2d");
const LABELS = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral", "uncertain"];
const emoji = Object.fromEntries(LABELS.map((label) => {
  const img = new Image();
  img.src = `emoji/${label}.png`;
  return [label, img];
}));
const SEND_FPS = 15;
let maxWidth = 640;
// Off loopback the server requires the access token it printed; the page passes its own on.
const TOKEN = new URLSearchParams(location.search).get("token");
const withToken = (path) => (TOKEN ? `${path}?token=${encodeURIComponent(TOKEN)}` : path);
const withModels = (name) => withToken(`models/${name}`);  // relative: the page also runs from any static server
const capture = document.createElement("canvas");
let socket = null, lastFaces = [], frameSize = [1, 1], sentAt = new Map(), answered = [], drawn = null;
// For tests and embedding (docs/live.md): the mode, the answered frame rate and count, and the last answer.
window.aegis = { stats: { mode: "server", fps: 0, frames: 0 }, last: null, layoutFace };
let mode = "server";

function showMessage(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

function trackColour(id) {
  const hue = (id * 0.618033988749895) % 1;
  return `hsl(${Math.round(hue * 360)}, 85%, 55%)`;
}

// Where a face's emoji and label go on a w x h canvas: the emoji centred above the head, the label above it, else
// beside it, else below the face box; both kept inside the canvas, the label never over the emoji.
function layoutFace(box, w, h, { mode, scale, big, labelWidth }) {
  const [x, y, bw, bh] = box;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(v, Math.max(lo, hi)));
  const out = {};
  let top = y, bottom = y + bh;
  if (mode !== "text") {
    const size = Math.min(Math.max(24, Math.min(160, 0.8 * bw * scale)), w, h / 2);
    const ex = clamp(x + bw / 2 - size / 2, 0, w - size);
    const ey = clamp(y - size - 6, 0, h - size);
    out.emoji = [ex, ey, size, size];
    top = ey;
    bottom = Math.max(bottom, ey + size);
  }
  if (mode !== "emoji") {
    const lh = big ? 32 : 22, lw = Math.min(labelWidth + 10, w);
    const [ex, ey, size] = out.emoji || [x + bw / 2, top, 0];
    if (top - lh - 2 >= 0) {
      out.label = [clamp(x + bw / 2 - lw / 2, 0, w - lw), top - lh - 2, lw, lh];
    } else if (ex + size + 4 + lw <= w || ex - 4 - lw >= 0) {
      const lx = ex + size + 4 + lw <= w ? ex + size + 4 : ex - 4 - lw;
      out.label = [lx, clamp(ey + size / 2 - lh / 2, 0, h - lh), lw, lh];
    } else {
      out.label = [clamp(x + bw / 2 - lw / 2, 0, w - lw), clamp(bottom + 2, 0, h - lh), lw, lh];
    }
  }
  return out;
}

function labelText(face) {
  return face.label === "uncertain" ? "uncertain" : `${face.label} ${Math.round(face.confidence * 100)}%`;
}

// The overlay, redrawn only when the faces, its size or a setting changed since it was last drawn.
function draw() {
  const source = remote.hidden ? video : remote;
  const w = source.clientWidth, h = source.clientHeight;
  const state = [w, h, lastFaces, frameSize, $("mode").value, $("size").value, $("boxes").checked,
    document.body.classList.contains("contrast")];
  if (drawn && state.every((v, i) => v === drawn[i])) {
    requestAnimationFrame(draw);
    return;
  }
  drawn = state;
  if (overlay.width !== w || overlay.height !== h) { overlay.width = w; overlay.height = h; }
  ctx.clearRect(0, 0, w, h);
  const sx = w / frameSize[0], sy = h / frameSize[1];
  const mode = $("mode").value, scale = parseFloat($("size").value);
  const big = document.body.classList.contains("contrast");
  ctx.font = `${big ? 28 : 18}px system-ui, sans-serif`;
  for (const face of lastFaces) {
    const box = [face.box[0] * sx, face.box[1] * sy, face.box[2] * sx, face.box[3] * sy];
    if ($("boxes").checked) {
      ctx.strokeStyle = trackColour(face.track_id);
      ctx.lineWidth = 3;
      ctx.strokeRect(...box);
    }
    const text = labelText(face);
    const place = layoutFace(box, w, h, { mode, scale, big, labelWidth: ctx.measureText(text).width });
    if (place.emoji) ctx.drawImage(emoji[face.label] || emoji.uncertain, ...place.emoji);
    if (place.label) {
      const [lx, ly, lw, lh] = place.label;
      ctx.fillStyle = big ? "#ff0" : "rgba(255,255,255,0.85)";
      ctx.fillRect(lx, ly, lw, lh);
      ctx.fillStyle = "#000";
      ctx.fillText(text, lx + 5, ly + lh - (big ? 8 : 6), lw - 10);
    }
  }
  requestAnimationFrame(draw);
}

function updateStats(latency) {
  const now = performance.now();
  answered = answered.filter((t) => now - t < 2000);
  answered.push(now);
  $("fps").textContent = (answered.length / 2).toFixed(1);
  window.aegis.stats = { mode, fps: answered.length / 2, frames: window.aegis.stats.frames + 1 };
  $("latency").textContent = latency.toFixed(0);
}

function showFaces(frame, faces) {
  lastFaces = faces;
  if (faces.length && !performance.getEntriesByName("aegis:first-label").length) performance.mark("aegis:first-label");
  describe(faces);
  window.aegis.last = {
    frame, faces: faces.map((f) => ({ track_id: f.track_id, box: f.box, label: f.label, confidence: f.confidence,
      coasted: Boolean(f.coasted) })),
  };
}

// On the device: each camera frame through the pipeline here, once: as soon as the last one's faces are handed
// to the model (which scores them in a worker, on another core), the newest frame is taken, or the next one
// awaited; frames that arrive while the page is busy are skipped, so the labels never lag behind the picture.
async function runOnDevice(pipeline) {
  const grab = capture.getContext("2d", { willReadFrequently: true });
  const newFrame = newFrames();
  for (let index = 0; ; index++) {
    await newFrame();
    const scale = Math.min(1, maxWidth / video.videoWidth);
    const size = [Math.round(video.videoWidth * scale), Math.round(video.videoHeight * scale)];
    [capture.width, capture.height] = size;
    grab.drawImage(video, 0, 0, ...size);
    const started = performance.now();
    const { faces } = await pipeline.advance(grab.getImageData(0, 0, ...size).data, ...size);
    faces.then((found) => {
      frameSize = size;
      showFaces(index, found);
      updateStats(performance.now() - started);
    }, (err) => showMessage(`The model stopped: ${err.message}`));
  }
}

// A function that resolves once the video shows a frame not taken before (at once if it already does).
function newFrames() {
  if (!video.requestVideoFrameCallback) {
    return () => new Promise((resolve) => setTimeout(resolve, video.videoWidth ? 1000 / 30 : 100));
  }
  let shown = 0, taken = 0, wake = null;
  const seen = (now, frame) => {
    shown = frame.presentedFrames;
    video.requestVideoFrameCallback(seen);
    if (wake) [wake, taken] = [wake(), shown];
  };
  video.requestVideoFrameCallback(seen);
  return () => {
    if (shown !== taken && video.videoWidth) {
      taken = shown;
      return Promise.resolve();
    }
    return new Promise((resolve) => { wake = () => { resolve(); return null; }; });
  };
}

function onAnswer(event) {
  if (typeof event.data !== "string") {  // server camera: a JPEG frame
    const url = URL.createObjectURL(event.data);
    remote.onload = () => { URL.revokeObjectURL(url); frameSize = [remote.naturalWidth, remote.naturalHeight]; };
    remote.src = url;
    return;
  }
  const reply = JSON.parse(event.data);
  if (reply.error) { showMessage(reply.error); return; }
  if (!("faces" in reply)) return;
  showFaces(reply.frame, reply.faces);
  const sent = sentAt.get(reply.frame);
  updateStats(sent === undefined ? reply.latency_ms : performance.now() - sent);
  for (const key of sentAt.keys()) if (key <= reply.frame) sentAt.delete(key);
}

let frameIndex = 0;
function sendFrame() {
  if (!socket || socket.readyState !== WebSocket.OPEN || !video.videoWidth) return;
  if (socket.bufferedAmount > 0) return;  // the network is behind: skip; the server keeps only the newest frame
  const scale = Math.min(1, maxWidth / video.videoWidth);
  capture.width = Math.round(video.videoWidth * scale);
  capture.height = Math.round(video.videoHeight * scale);
  capture.getContext("2d").drawImage(video, 0, 0, capture.width, capture.height);
  frameSize = [capture.width, capture.height];
  const index = frameIndex++;
  capture.toBlob((blob) => {
    if (!blob || socket.readyState !== WebSocket.OPEN) return;
    sentAt.set(index, performance.now());
    socket.send(blob);
  }, "image/jpeg", 0.8);
}

function connect(onOpen) {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${withToken("/ws")}`);
  socket.binaryType = "blob";
  socket.onmessage = onAnswer;
  socket.onopen = () => { sendSettings(); onOpen(); };
  socket.onclose = () => {  // a message the server sent before closing (busy, idle) stays on screen
    if ($("message").hidden) showMessage("The connection to the AEGIS server closed; reload the page to reconnect.");
  };
}

function sendSettings() {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ smoothing: parseFloat($("smoothing").value) }));
  }
}

// The camera, or a shared tab, window or screen (a video call): frames of either go the same way.
async function openSource(source) {
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia) {
    throw new Error("This browser cannot use a camera here: open the page on http://localhost or over https.");
  }
  if (source === "screen") {
    if (!devices.getDisplayMedia) throw new Error("This browser cannot share a tab or window.");
    maxWidth = 1280;  // faces in a call grid are small: keep more of them
    return devices.getDisplayMedia({ video: { frameRate: SEND_FPS }, audio: false }).catch(() => {
      throw new Error("Nothing is shared: choose the tab or window of the call and allow it.");
    });
  }
  return devices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }).catch(() => {
    throw new Error("No camera is available, or permission to use it was denied: allow the camera and reload.");
  });
}

// Where the browser can, keep the picture with its emoji on top of other windows (Document Picture-in-Picture).
function offerPopOut() {
  if (!window.documentPictureInPicture) return;
  $("popout").hidden = false;
  $("popout").addEventListener("click", async () => {
    const stage = $("stage"), home = stage.parentNode, next = stage.nextSibling;
    const pip = await window.documentPictureInPicture.requestWindow({ width: 480, height: 300 });
    [...document.styleSheets].forEach((sheet) => pip.document.head.append(sheet.ownerNode.cloneNode(true)));
    pip.document.body.append(stage);
    pip.addEventListener("pagehide", () => home.insertBefore(stage, next), { once: true });
  });
}

// The text alternative: every face's label and confidence beside the picture, and a live region that screen
// readers announce when a face's label changes (not at every confidence change).
const spokenLabels = new Map();
function describe(faces) {
  $("faces-text").textContent = faces.map((f) => `face ${f.track_id}: ${labelText(f)}`).join(" · ");
  const changed = faces.filter((f) => spokenLabels.get(f.track_id) !== f.label);
  faces.forEach((f) => spokenLabels.set(f.track_id, f.label));
  if (changed.length) $("announce").textContent = changed.map((f) => `face ${f.track_id}: ${f.label}`).join(", ");
}

async function start() {
  if ("serviceWorker" in navigator && !TOKEN) navigator.serviceWorker.register("sw.js").catch(() => {});
  $("contrast").addEventListener("change", (e) => document.body.classList.toggle("contrast", e.target.checked));
  $("smoothing").addEventListener("change", sendSettings);
  const response = await fetch(withToken("config.json"));
  if (!response.ok) { showMessage(await response.text()); return; }
  const config = await response.json();
  mode = config.mode === "on-device" && !config.camera ? "on-device" : "server";
  window.aegis.stats.mode = mode;
  let loading = null;
  if (mode === "on-device") {
    loading = (async () => {  // while the page waits for the tap; a browser without WebAssembly fails here
      ort.env.wasm.wasmPaths = new URL("ort/", location.href).href;
      ort.env.wasm.numThreads = crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
      return OnDevicePipeline.load(withModels, config);
    })();
    loading.catch(() => {});  // answered after the tap
  }
  requestAnimationFrame(draw);
  if (config.camera) {
    $("welcome").hidden = true;
    video.hidden = true;
    remote.hidden = false;
    connect(() => {});
    return;
  }
  const source = new URLSearchParams(location.search).has("autostart") ? "camera" : await new Promise((resolve) => {
    $("start").addEventListener("click", () => resolve("camera"), { once: true });  // one tap, after saying why
    $("share").addEventListener("click", () => resolve("screen"), { once: true });
  });
  $("welcome").hidden = true;
  try {
    video.srcObject = await openSource(source);
    performance.mark("aegis:camera");
  } catch (err) {
    showMessage(err.message);
    return;
  }
  offerPopOut();
  if (loading) {
    try {
      window.aegis.pipeline = await loading;  // also for tests, which feed it frames of their own
      performance.mark("aegis:models");
      runOnDevice(window.aegis.pipeline);
      return;
    } catch (err) {  // an old browser: the AEGIS server that sent the page runs the models, where there is one
      if (!config.server) {
        showMessage(`The on-device models could not be loaded: ${err.message}`);
        return;
      }
      mode = window.aegis.stats.mode = "server";
      showMessage(`This browser could not run the models itself (${err.message}); the AEGIS server runs them.`);
    }
  }
  connect(() => setInterval(sendFrame, 1000 / SEND_FPS));
}

start();
