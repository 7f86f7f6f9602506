// AEGIS service worker: the page works offline after one load. Each request goes to the network first (so an
// update is seen at once) and falls back to the copy cached on install or on the last good answer.
"use strict";

const CACHE = "aegis";
const FILES = ["./", "index.html", "app.js", "app.css", "ondevice.js", "config.json", "manifest.webmanifest",
  "icons/icon-192.png", "icons/icon-512.png", "ort/ort.wasm.min.js", "ort/ort-wasm-simd-threaded.mjs",
  "ort/ort-wasm-simd-threaded.wasm", "models/pnet.onnx", "models/rnet.onnx", "models/onet.onnx", "models/model.onnx"];

self.addEventListener("install", (event) => event.waitUntil((async () => {
  const classes = (await (await fetch("config.json")).json()).classes;
  const cache = await caches.open(CACHE);
  await cache.addAll([...FILES, ...[...classes, "uncertain"].map((c) => `emoji/${c}.png`)]);
  await self.skipWaiting();
})()));

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || url.search.includes("token=")) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok) await cache.put(event.request, response.clone());
      return response;
    } catch (err) {
      const copy = await cache.match(event.request, { ignoreSearch: true });
      if (copy) return copy;
      throw err;
    }
  })());
});
