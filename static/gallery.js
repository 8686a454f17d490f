// gallery.js - progressive enhancement of /gallery and /image/<id>.
// Without it the pages work (plain links, fixed boxes).  With it:
//   - an image that fails to load is replaced by the "unavailable" box,
//     never left as an empty frame;
//   - the next page is fetched and appended when the "Older" link
//     scrolls into view (infinite scroll), the link moving along.
// No inline script anywhere (CSP script-src 'self'); nothing from the
// page's text is ever parsed as HTML here except whole server pages,
// which the server escaped, through DOMParser (scripts never run there).
'use strict';
(function () {
  function markBroken(img) {
    var frame = img.closest('.g-frame');
    if (!frame || frame.classList.contains('g-broken')) return;
    frame.classList.add('g-broken');
    var label = document.createElement('span');
    label.className = 'g-broken-label';
    label.setAttribute('role', 'img');
    label.setAttribute('aria-label', 'image unavailable: failed to load');
    label.appendChild(document.createTextNode('Image unavailable'));
    label.appendChild(document.createElement('br'));
    var small = document.createElement('small');
    small.textContent = 'failed to load';
    label.appendChild(small);
    img.remove();
    frame.appendChild(label);
  }

  function watch(root) {
    root.querySelectorAll('.g-frame img').forEach(function (img) {
      if (img.complete && img.naturalWidth === 0 && img.getAttribute('src')) markBroken(img);
      else img.addEventListener('error', function () { markBroken(img); }, { once: true });
    });
  }

  watch(document);

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
        watch(grid);
        var more = doc.getElementById('g-next');
        if (more) { link.href = more.getAttribute('href'); } else { io.disconnect(); link.remove(); }
        loading = false;
      })
      .catch(function () { loading = false; io.disconnect(); });
  }, { rootMargin: '600px' });
  io.observe(next);
})();
