// The demo's offline app shell: pages and assets come from the network when it answers, else from this cache, so
// the app opens (and shows its stored notes and pending writes) with the network down. Sync calls never touch it.
const CACHE = "nizhal-demo-shell-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add("/")).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const shell = url.origin === self.location.origin && event.request.method === "GET" &&
    (url.pathname === "/" || (url.pathname.startsWith("/demo/") && url.pathname !== "/demo/login"));
  if (!shell) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request).then((cached) => cached ?? Response.error())),
  );
});
