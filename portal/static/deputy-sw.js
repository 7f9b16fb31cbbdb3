/* The deputy's service worker, served as /desk/me/sw.js (scope /desk/me/): keeps the record
 * page and its assets so the page opens where there is no signal. It never touches a POST
 * (the page's script queues records itself) and answers nothing outside the page and its
 * assets.
 * - The page: from the network when it answers within SLOW_MS (and kept for later), else from
 *   the cache; refreshed too when a workspace page asks ("refresh" message).
 *   A redirect (signed out) or an error page is never kept; a redirect removes the copy.
 * - The assets: from the cache at once, refreshed from the network behind it.
 * A new CACHE name retires the old copies at the next activation.
 */
"use strict";
var CACHE = "lianxin-deputy-v1";
var PAGE = "/desk/me/record";
var ASSETS = ["/static/portal.css", "/static/deputy-record.js"];
var SLOW_MS = 5000;   // how long the page waits for a weak signal before the kept copy

// The record page as the network gives it now: kept when it is the page, dropped when the
// answer is a redirect (signed out); kept as it was when there is no network.
function keepPage(cache) {
  return fetch(PAGE, { credentials: "same-origin", redirect: "manual", cache: "no-store" }).then(function (r) {
    if (r.status === 200 && r.type === "basic") return cache.put(PAGE, r);
    if (r.type === "opaqueredirect") return cache.delete(PAGE);
    return undefined;
  }).catch(function () { return undefined; });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () { return keepPage(cache); });
  }).then(function () { return self.skipWaiting(); }));
});

// A workspace page asks for a fresh copy of the record page (the signed-in deputy's).
self.addEventListener("message", function (event) {
  if (event.data === "refresh") event.waitUntil(caches.open(CACHE).then(keepPage));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("lianxin-deputy-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    var network = fetch(request).then(function (r) {
      // Only the plain page (no ?sent= notice) is kept, and only a page, never a redirect.
      if (r.status === 200 && r.type === "basic" && !url.search) {
        var copy = r.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(PAGE, copy); });
      } else if (r.type === "opaqueredirect") {
        // Signed out: the copy (the deputy's name, their recent records) goes too.
        caches.open(CACHE).then(function (cache) { return cache.delete(PAGE); });
      }
      return r;
    });
    event.respondWith(new Promise(function (resolve) {
      var answered = false;
      function answer(r) {
        if (!answered) { answered = true; resolve(r); }
      }
      // A signal too weak to answer within SLOW_MS: the kept copy now (the network's answer,
      // when it comes, still refreshes the copy); no copy: wait for the network.
      var timer = setTimeout(function () {
        caches.match(PAGE).then(function (hit) { if (hit) answer(hit); });
      }, SLOW_MS);
      network.then(function (r) {
        clearTimeout(timer);
        answer(r);
      }, function () {
        clearTimeout(timer);
        caches.match(PAGE).then(function (hit) { answer(hit || Response.error()); });
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (hit) {
        var fresh = fetch(request).then(function (r) {
          if (r.status === 200) cache.put(url.pathname, r.clone());
          return r;
        });
        if (hit) {
          fresh.catch(function () { return undefined; });
          return hit;
        }
        return fresh;
      });
    }));
  }
});
