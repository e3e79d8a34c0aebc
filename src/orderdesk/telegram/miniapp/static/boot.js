// Load Telegram's WebApp script (vendored) unless the host already provides
// window.Telegram.WebApp, then the app itself. No inline scripts: the CSP forbids them.
(function () {
  'use strict';
  function load(src, done) {
    var script = document.createElement('script');
    script.src = src;
    if (done) { script.onload = done; script.onerror = done; }
    document.head.appendChild(script);
  }
  function start() { load('/app/static/app.js'); }
  if (window.Telegram && window.Telegram.WebApp) { start(); }
  else { load('/app/static/vendor/telegram/telegram-web-app.js', start); }
})();
