// AEGIS live page: camera frames go to /ws as JPEG, answers are drawn as emoji over each head.
"use strict";

const $ = (id) => document.getElementById(id);
const video = $("video"), remote = $("remote"), overlay = $("overlay"), ctx = overlay.getContext("2d");
const LABELS = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral", "uncertain"];
const emoji = Object.fromEntries(LABELS.map((label) => {
  const img = new Image();
  img.src = `/emoji/${label}.png`;
  return [label, img];
}));
const SEND_FPS = 15, MAX_WIDTH = 640;
// Off loopback the server requires the access token it printed; the page passes its own on.
const TOKEN = new URLSearchParams(location.search).get("token");
const withToken = (path) => (TOKEN ? `${path}?token=${encodeURIComponent(TOKEN)}` : path);
const capture = document.createElement("canvas");
let socket = null, lastFaces = [], frameSize = [1, 1], sentAt = new Map(), answered = [];
// For tests and embedding (docs/live.md): the mode, the answered frame rate and count, and the last answer.
window.aegis = { stats: { mode: "server", fps: 0, frames: 0 }, last: null, layoutFace };

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

function draw() {
  const source = remote.hidden ? video : remote;
  const w = source.clientWidth, h = source.clientHeight;
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
  window.aegis.stats = { mode: "server", fps: answered.length / 2, frames: window.aegis.stats.frames + 1 };
  $("latency").textContent = latency.toFixed(0);
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
  lastFaces = reply.faces;
  window.aegis.last = {
    frame: reply.frame,
    faces: reply.faces.map((f) => ({ track_id: f.track_id, box: f.box, label: f.label, confidence: f.confidence })),
  };
  const sent = sentAt.get(reply.frame);
  updateStats(sent === undefined ? reply.latency_ms : performance.now() - sent);
  for (const key of sentAt.keys()) if (key <= reply.frame) sentAt.delete(key);
}

let frameIndex = 0;
function sendFrame() {
  if (!socket || socket.readyState !== WebSocket.OPEN || !video.videoWidth) return;
  if (socket.bufferedAmount > 0) return;  // the network is behind: skip; the server keeps only the newest frame
  const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
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

async function start() {
  $("contrast").addEventListener("change", (e) => document.body.classList.toggle("contrast", e.target.checked));
  $("smoothing").addEventListener("change", sendSettings);
  const response = await fetch(withToken("/config.json"));
  if (!response.ok) { showMessage(await response.text()); return; }
  const config = await response.json();
  requestAnimationFrame(draw);
  if (config.camera) {
    $("welcome").hidden = true;
    video.hidden = true;
    remote.hidden = false;
    connect(() => {});
    return;
  }
  if (!new URLSearchParams(location.search).has("autostart")) {  // one tap starts it, after saying why
    await new Promise((resolve) => $("start").addEventListener("click", resolve, { once: true }));
  }
  $("welcome").hidden = true;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showMessage("This browser cannot use a camera here: open the page on http://localhost or over https.");
    return;
  }
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (err) {
    showMessage("No camera is available, or permission to use it was denied: allow the camera and reload.");
    return;
  }
  connect(() => setInterval(sendFrame, 1000 / SEND_FPS));
}

start();
