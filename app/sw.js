// Deskline's service worker: keeps the app shell (index.html and the files it references) so that a
// reload works offline. Tickets never pass through here: the app keeps them itself and syncs them
// over /api, which this worker leaves alone.
//
// The build (`cargo xtask build`) gives the app's files hashed names, so the worker cannot list them
// in advance: it reads them from index.html (prefetched split modules included), on install and again on every navigation the network answers. A new build
// is therefore picked up on the next online load, and files the new index.html no longer
// references are dropped once the new shell is complete.
'use strict';

// Bump when the way this file caches changes; activation deletes the caches of other versions.
const CACHE_PREFIX = 'deskline-shell-';
const CACHE = `${CACHE_PREFIX}v1`;
// The cache key of index.html. Every navigation (any path: the app routes itself) gets it offline.
const INDEX = '/';
// How long a navigation waits for the network before it takes the cached index.html.
const NAVIGATION_TIMEOUT_MS = 3000;
// The XLSX export worker: index.html does not mention it (the app starts it only on an export), and
// the build does not hash its names, so it is named here and revalidated on every refresh.
const EXPORT_WORKER = [
  '/deskline-export_loader.js',
  '/deskline-export.js',
  '/deskline-export_bg.wasm',
];
// The build's content hash in a file name (`style-68be62a54fe12779.css`, `…-<hash>_bg.wasm`): a
// cached file with such a name never changes, so a refresh need not fetch it again.
const HASHED = /-[0-9a-f]{16}(_bg)?\.[a-z]+$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const index = await fetch(INDEX, { cache: 'no-cache' });
      if (!isShell(index)) throw new Error(`index.html answered ${index.status}`);
      await refresh(index);
      // No tab depends on an older worker's behaviour: take over at once.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      // Control the tab that registered us without waiting for its next load.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The API (and its WebSocket, /api/sync/poke) always goes to the network, as if we were not here.
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    navigate(event);
    return;
  }
  // Cache-first for the shell's files; anything else (or a miss) goes to the network.
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(request, { ignoreVary: true }))
      .then((cached) => cached || fetch(request)),
  );
});

// Network first, so an online load always gets the current build; the cached index.html when the
// network fails, is slower than NAVIGATION_TIMEOUT_MS or answers with a server error (a proxy in
// front of a stopped server). Whenever the network does answer (even after the timeout), its
// index.html and the files it references replace the cached shell.
function navigate(event) {
  let refreshed = Promise.resolve();
  const network = fetch(event.request).then((response) => {
    if (isShell(response)) refreshed = refresh(response.clone()).catch(warn);
    return response;
  });
  event.waitUntil(network.then(() => refreshed, () => undefined));
  event.respondWith(
    Promise.race([
      network,
      new Promise((_, reject) => setTimeout(reject, NAVIGATION_TIMEOUT_MS, new Error('timeout'))),
    ])
      .then((response) => {
        if (response.status >= 500) throw new Error(`the server answered ${response.status}`);
        return response;
      })
      .catch(async () => (await cachedIndex()) || network),
  );
}

async function cachedIndex() {
  const cache = await caches.open(CACHE);
  return cache.match(INDEX, { ignoreVary: true });
}

// An index.html worth keeping: a successful, same-origin HTML answer.
function isShell(response) {
  return response.ok && response.type === 'basic' && contentType(response).includes('text/html');
}

function contentType(response) {
  return response.headers.get('content-type') || '';
}

function warn(error) {
  console.warn('Deskline service worker: the app shell was not refreshed:', error);
}

// One refresh at a time (install and a navigation may overlap).
let refreshing = Promise.resolve();
function refresh(index) {
  const next = refreshing.catch(() => undefined).then(() => store(index));
  refreshing = next;
  return next;
}

// Caches `index` (a response for index.html) and every file it references. The new index.html is
// written last and old files are dropped after it, so the cache always holds one complete shell:
// if a file cannot be fetched, the previous shell stays as it was.
async function store(index) {
  const cache = await caches.open(CACHE);
  const html = await index.clone().text();
  const required = referencedBy(html);
  const fresh = new Map();
  for (const path of required) {
    const response = await fetchFile(cache, path);
    if (!response) throw new Error(`${path} could not be fetched`);
    fresh.set(path, response);
  }
  // Optional extras: the export worker and the manifest's icons. Without them the app still runs.
  const extras = [...EXPORT_WORKER];
  for (const [path, response] of fresh) {
    if (response !== KEEP && contentType(response).includes('manifest+json')) {
      extras.push(...(await iconsOf(response, path)));
    }
  }
  for (const path of extras) {
    if (fresh.has(path)) continue;
    const response = await fetchFile(cache, path);
    if (response) fresh.set(path, response);
  }
  for (const [path, response] of fresh) {
    if (response !== KEEP) await cache.put(path, response);
  }
  await cache.put(INDEX, index);
  // Drop what the new shell no longer uses (an export file that failed to refresh stays).
  for (const request of await cache.keys()) {
    const path = pathOf(new URL(request.url));
    if (path !== INDEX && !fresh.has(path) && !EXPORT_WORKER.includes(path)) {
      await cache.delete(request);
    }
  }
}

// Marks a hashed file that is already cached: kept as it is.
const KEEP = Symbol('keep');

// The file at `path` for the cache: KEEP when a hashed copy is cached already, otherwise fetched
// (revalidated against the HTTP cache); undefined when it cannot be had. The server answers an
// unknown path with index.html, so an HTML answer for a file counts as missing.
async function fetchFile(cache, path) {
  if (HASHED.test(path) && (await cache.match(path, { ignoreVary: true }))) return KEEP;
  try {
    const response = await fetch(path, { cache: 'no-cache' });
    if (response.ok && !contentType(response).includes('text/html')) return response;
  } catch {
    // Offline or refused: the caller decides whether that matters.
  }
  return undefined;
}

// Same-origin paths index.html references: href and src attributes (stylesheet, icon, manifest,
// preloads) and the quoted paths in the inline bootstrap (the JS glue and the wasm file).
function referencedBy(html) {
  const found = new Set();
  const attribute = /\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
  const quoted = /["'](\/[^"'\s]+\.(?:js|wasm))["']/g;
  for (const match of html.matchAll(attribute)) add(found, match[1] ?? match[2] ?? match[3]);
  for (const match of html.matchAll(quoted)) add(found, match[1]);
  return found;
}

async function iconsOf(manifest, path) {
  try {
    const found = new Set();
    const base = new URL(path, self.location.origin);
    for (const icon of (await manifest.clone().json()).icons || []) {
      add(found, new URL(icon.src, base).href);
    }
    return [...found];
  } catch {
    return [];
  }
}

function add(found, raw) {
  if (!raw) return;
  const url = new URL(raw, self.location.origin);
  const path = pathOf(url);
  if (url.origin === self.location.origin && path !== INDEX && !path.startsWith('/api/')) {
    found.add(path);
  }
}

function pathOf(url) {
  return url.pathname + url.search;
}
