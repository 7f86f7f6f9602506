// AEGIS service worker: the page works offline after one load. Each request goes to the network first (so an
// update is seen at once) and falls back to the copy cached on install or on the last good answer.
"use strict";

const CACHE = "aegis";

self.addEventListener("install", (event) => event.waitUntil((async () => {
  const files = (await (await fetch("config.json")).json()).files;  // listed by aegis/app/page.py
  const cache = await caches.open(CACHE);
  await cache.addAll(files);
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
