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

  // The figures as the server's template filters print them (fmt.c):
  // counts with separators, durations, AIUS with 4 significant digits.
  function num(v) { return Number(v).toLocaleString('en-US'); }
  function dur(v) {
    if (v < 60) return (Number.isInteger(v) ? String(v) : v.toFixed(1)) + ' s';
    var s = Math.round(v);
    if (s < 3600) return Math.floor(s / 60) + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }
  function aius(wei) {
    var d = String(wei).replace(/^0+/, '');
    if (!/^[0-9]*$/.test(d)) return null;
    if (d === '') return { shown: '0 AIUS', exact: '0 AIUS' };
    var whole = d.length > 18 ? d.slice(0, -18) : '0';
    var frac = d.padStart(18, '0').slice(-18).replace(/0+$/, '');
    var exact = whole + (frac ? '.' + frac : '') + ' AIUS';
    var e = d.length - 19, m = (d + '0000').slice(0, 4);
    if (d.length > 4 && d[4] >= '5') {
      m = String(Number(m) + 1);
      if (m.length > 4) { m = '1000'; e++; }
    }
    if (e < -6) return { shown: '< 0.000001 AIUS', exact: exact };
    if (e >= 15) return { shown: m[0] + '.' + m.slice(1) + 'e' + e + ' AIUS', exact: exact };
    var s = e >= 4 ? e - (e % 3) : 0, ints = e - s + 1, t;
    if (ints === 4) t = m[0] + ',' + m.slice(1);
    else if (ints > 0) t = (m.slice(0, ints) + '.' + m.slice(ints)).replace(/\.?0+$/, '');
    else t = ('0.' + '0'.repeat(-ints) + m).replace(/0+$/, '');
    return { shown: t + ['', 'k', 'M', 'B', 'T'][s / 3] + ' AIUS', exact: exact };
  }

  function show(el, key, v) {
    if (v === null || v === undefined) { el.textContent = '\u2013'; return; }
    if (key === 'median_solve_seconds') { el.textContent = dur(v); return; }
    if (key === 'aius_paid_24h') {
      var a = aius(v), span = el.querySelector('.aius');
      if (!a) return;
      if (span) { span.textContent = a.shown; span.title = a.exact; } else el.textContent = a.shown;
      return;
    }
    el.textContent = typeof v === 'number' ? num(v) : String(v);
  }

  function apply(s) {
    var els = root.querySelectorAll('[data-stat]');
    for (var i = 0; i < els.length; i++) {
      var key = els[i].getAttribute('data-stat');
      if (Object.prototype.hasOwnProperty.call(s, key)) show(els[i], key, s[key]);
    }
    var b = root.querySelector('[data-asof-block]');
    if (b && s.as_of) b.textContent = String(s.as_of.block);
    var t = root.querySelector('.as-of time');
    if (t && s.as_of && s.as_of.time) {
      var d = new Date(s.as_of.time * 1000).toISOString();
      t.setAttribute('datetime', d.replace(/\.\d+Z$/, 'Z'));
      t.title = d.slice(0, 19).replace('T', ' ') + ' UTC';
      if (window.arbiusdTimes) window.arbiusdTimes(t.parentNode);
    }
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
