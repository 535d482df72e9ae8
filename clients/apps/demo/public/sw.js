// The demo's offline app shell: pages and assets come from the network when it answers, else from this cache, so
// the app opens (and shows its stored notes and pending writes) with the network down. Sync calls never touch it.
const CACHE = "nizhal-demo-shell-v1";

self.addEventListener("install", (event) => {
  // the page and the assets it names, so that the first offline reload already works
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const page = await fetch("/", { cache: "no-store" });
      const html = await page.clone().text();
      await cache.put("/", page);
      const assets = [...html.matchAll(/(?:src|href)="(\/demo\/[^"]+)"/g)].map((m) => m[1]);
      await cache.addAll(assets);
      await self.skipWaiting();
    })(),
  );
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
