// dashboard.js - keeps the dashboard's figures live: the `stats` events of
// /api/v1/stream (Server-Sent Events; EventSource reconnects by itself and
// sends Last-Event-ID), or, where EventSource is missing, /api/v1/stats
// every 15 s; and the charts, re-fetched when the indexed head moves.  No
// framework; the page works fully without it (CSP: 'self').
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

  // The charts and the per-model table are rendered on the server (SVG that
  // reads without JavaScript); when the indexed head moves, this page's own
  // URL is fetched again and those parts are swapped in, at most every 10 s.
  var shownBlock = null, chartTimer = null, lastCharts = 0;
  var asof = root.querySelector('[data-asof-block]');
  if (asof) shownBlock = asof.textContent;

  function swapCharts() {
    chartTimer = null;
    lastCharts = Date.now();
    if (!window.DOMParser) return;
    fetch(location.href, { cache: 'no-cache' }).then(function (r) {
      return r.status === 200 ? r.text() : null;
    }).then(function (html) {
      if (!html) return;
      var doc = new DOMParser().parseFromString(html, 'text/html');
      ['charts', 'by-model'].forEach(function (id) {
        var now = document.getElementById(id), next = doc.getElementById(id);
        if (now && next) now.replaceWith(document.importNode(next, true));
      });
      root.setAttribute('data-charts-block', shownBlock || '');
    }).catch(function () { /* keep the charts shown */ });
  }

  function chartsFor(s) {
    if (!s || !s.as_of) return;
    var b = String(s.as_of.block);
    if (b === shownBlock) return;
    shownBlock = b;
    if (chartTimer) return;
    var wait = Math.max(0, 10000 - (Date.now() - lastCharts));
    chartTimer = setTimeout(swapCharts, wait);
  }

  var applyFigures = apply;
  apply = function (s) { applyFigures(s); chartsFor(s); };

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
