// dashboard.js - keeps the dashboard's figures live: the `stats` events of
// /api/v1/stream (Server-Sent Events; EventSource reconnects by itself and
// sends Last-Event-ID), or, where EventSource is missing, /api/v1/stats
// every 15 s.  No framework; the page works fully without it (CSP: 'self').
(function () {
  'use strict';
  var root = document.getElementById('dash');
  if (!root || !window.fetch) return;
  var mode = root.getAttribute('data-automine') === 'show' ? 'show' : 'hide';
  var url = '/api/v1/stats?automine=' + mode;
  var etag = null;

  function text(key, v) {
    if (v === null || v === undefined) return '\u2013';
    if (key === 'median_solve_seconds') {
      return (Number.isInteger(v) ? String(v) : v.toFixed(1)) + ' s';
    }
    if (key === 'aius_paid_24h_aius') return String(v) + ' AIUS';
    return String(v);
  }

  function apply(s) {
    var els = root.querySelectorAll('[data-stat]');
    for (var i = 0; i < els.length; i++) {
      var key = els[i].getAttribute('data-stat');
      if (Object.prototype.hasOwnProperty.call(s, key)) {
        els[i].textContent = text(key, s[key]);
      }
    }
    var b = root.querySelector('[data-asof-block]');
    if (b && s.as_of) b.textContent = String(s.as_of.block);
  }

  function refresh() {
    if (document.hidden) return;
    var headers = etag ? { 'If-None-Match': etag } : {};
    fetch(url, { headers: headers, cache: 'no-cache' }).then(function (r) {
      if (r.status !== 200) return null;
      etag = r.headers.get('ETag');
      return r.json();
    }).then(function (s) {
      if (s) apply(s);
    }).catch(function () { /* keep the figures shown */ });
  }

  if (window.EventSource) {
    var es = new EventSource('/api/v1/stream?automine=' + mode);
    es.addEventListener('stats', function (ev) {
      try { apply(JSON.parse(ev.data)); } catch (e) { /* keep the figures */ }
    });
    // Events were dropped (this tab was too slow): refetch the figures.
    es.addEventListener('resync', refresh);
  } else {
    setInterval(refresh, 15000);
  }
})();
