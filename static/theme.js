// theme.js - applies the theme chosen with the header's toggle (site.js)
// before the first paint, so a page never flashes the other theme.  Loaded
// in <head> without defer: it is a few bytes.  Without a choice the
// stylesheet follows prefers-color-scheme.
'use strict';
(function () {
  try {
    var t = window.localStorage.getItem('arbiusd-theme');
    if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
  } catch (e) { /* storage refused: follow the system */ }
})();
