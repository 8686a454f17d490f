// site.js - what every page shares, as progressive enhancement (the pages
// work without it; CSP script-src 'self', no inline script):
//   - the theme toggle in the header: light or dark, remembered in
//     localStorage (theme.js applies it before the first paint);
//   - relative times (<time data-ago>, rendered by the server's |time
//     filter) kept current: a page may be served from a cache;
//   - an image that fails to load becomes the gallery's "Image
//     unavailable" placeholder, wherever it is (gallery, image, miner and
//     user pages, pages appended by infinite scroll);
//   - "Show more" on clamped text ([data-clamp]), "Copy link" buttons.
// Text from the server only ever goes in with textContent.
'use strict';
(function () {
  var root = document.documentElement;

  // ---- theme ----
  function theme() {
    var t = root.getAttribute('data-theme');
    if (t === 'light' || t === 'dark') return t;
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  }
  function labelToggle(btn) {
    var next = theme() === 'dark' ? 'light' : 'dark';
    btn.setAttribute('aria-label', 'Switch to the ' + next + ' theme');
    btn.title = 'Switch to the ' + next + ' theme';
    btn.textContent = next === 'light' ? '\u2600' : '\u263e';
  }
  var toggle = document.getElementById('theme-toggle');
  if (toggle) {
    labelToggle(toggle);
    toggle.hidden = false;
    toggle.addEventListener('click', function () {
      var next = theme() === 'dark' ? 'light' : 'dark';
      root.setAttribute('data-theme', next);
      try { window.localStorage.setItem('arbiusd-theme', next); } catch (e) { /* not remembered */ }
      labelToggle(toggle);
    });
  }

  // ---- relative times: the rules of src/web/fmt.c's fmt_ago() ----
  function unit(n, name, plural) { return n + ' ' + name + (plural && n !== 1 ? 's' : ''); }
  function ago(t, now) {
    var d = Math.round(now - t), ad = Math.abs(d), a;
    if (ad < 45) return 'just now';
    if (ad < 3600) a = unit(ad < 60 ? 1 : Math.floor(ad / 60), 'min', false);
    else if (ad < 86400) a = unit(Math.floor(ad / 3600), 'h', false);
    else if (ad < 30 * 86400) a = unit(Math.floor(ad / 86400), 'day', true);
    else if (ad < 365 * 86400) a = unit(Math.floor(ad / (30 * 86400)), 'month', true);
    else a = unit(Math.floor(ad / (365 * 86400)), 'year', true);
    return d < 0 ? 'in ' + a : a + ' ago';
  }
  window.arbiusdTimes = function (scope) {
    var now = Date.now() / 1000;
    (scope || document).querySelectorAll('time[data-ago]').forEach(function (el) {
      var t = Date.parse(el.getAttribute('datetime'));
      if (!isNaN(t)) el.textContent = ago(t / 1000, now);
    });
  };
  window.arbiusdTimes();
  setInterval(function () { if (!document.hidden) window.arbiusdTimes(); }, 30000);

  // ---- images that fail ----
  function markBroken(img) {
    var frame = img.closest('.g-frame');
    if (!frame) { img.remove(); return; }
    if (frame.classList.contains('g-broken')) return;
    frame.classList.add('g-broken');
    frame.setAttribute('data-src', img.getAttribute('src') || '');
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
  window.arbiusdImages = function (scope) {
    (scope || document).querySelectorAll('img').forEach(function (img) {
      if (img.complete && img.naturalWidth === 0 && img.getAttribute('src')) markBroken(img);
    });
  };
  // Load errors do not bubble: listen in the capture phase, for images
  // already here and those added later alike.
  document.addEventListener('error', function (ev) {
    if (ev.target && ev.target.tagName === 'IMG') markBroken(ev.target);
  }, true);
  window.arbiusdImages();

  // ---- "Show more" ----
  document.querySelectorAll('button[data-more-for]').forEach(function (btn) {
    var box = document.getElementById(btn.getAttribute('data-more-for'));
    if (!box) return;
    if (box.scrollHeight <= box.clientHeight + 2) return; // fits: no button
    btn.hidden = false;
    btn.setAttribute('aria-expanded', 'false');
    btn.addEventListener('click', function () {
      var open = box.classList.toggle('open');
      btn.setAttribute('aria-expanded', open ? 'true' : 'false');
      btn.textContent = open ? 'Show less' : 'Show more';
    });
  });

  // ---- "Copy link" ----
  function copied(btn, ok) {
    var was = btn.getAttribute('data-label') || btn.textContent;
    btn.setAttribute('data-label', was);
    btn.textContent = ok ? 'Link copied' : 'Copy failed';
    setTimeout(function () { btn.textContent = was; }, 2000);
  }
  document.querySelectorAll('button[data-copy]').forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var text = btn.getAttribute('data-copy');
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(btn, true); },
                                                 function () { copied(btn, false); });
        return;
      }
      var ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.className = 'offscreen';
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      ta.remove();
      copied(btn, ok);
    });
  });
})();
