// gallery.js - infinite scroll on /gallery: the next page is fetched and
// appended when the "Older" link scrolls into view, the link moving along.
// Without it the page works (plain links).  Images that fail to load,
// appended ones too, become the "unavailable" box in site.js.
// No inline script anywhere (CSP script-src 'self'); nothing from the
// page's text is ever parsed as HTML here except whole server pages,
// which the server escaped, through DOMParser (scripts never run there).
'use strict';
(function () {
  var grid = document.getElementById('g-grid');
  var next = document.getElementById('g-next');
  if (!grid || !next || !('IntersectionObserver' in window) || !window.fetch) return;
  var loading = false;
  var io = new IntersectionObserver(function (entries) {
    if (!entries.some(function (e) { return e.isIntersecting; }) || loading) return;
    var link = document.getElementById('g-next');
    if (!link) { io.disconnect(); return; }
    loading = true;
    fetch(link.href, { headers: { Accept: 'text/html' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var cards = doc.querySelectorAll('#g-grid > .g-card');
        cards.forEach(function (c) { grid.appendChild(document.adoptNode(c)); });
        if (window.arbiusdImages) window.arbiusdImages(grid);
        if (window.arbiusdTimes) window.arbiusdTimes(grid);
        var more = doc.getElementById('g-next');
        if (more) { link.href = more.getAttribute('href'); } else { io.disconnect(); link.remove(); }
        loading = false;
      })
      .catch(function () { loading = false; io.disconnect(); });
  }, { rootMargin: '600px' });
  io.observe(next);
})();
