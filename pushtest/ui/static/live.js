// pushtest inspector: keeps the part of the page marked data-live up to
// date through the emulator's Server-Sent Events. The page works without
// it; this only spares a reload.
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live || !window.EventSource || !window.fetch) {
    return;
  }
  var kinds = (live.getAttribute("data-live") || "request delivery").split(/\s+/);
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { headers: { "X-Pushtest-Live": "1" }, cache: "no-store" })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-live]");
        if (fresh) { live.innerHTML = fresh.innerHTML; }
        var clock = doc.querySelector("#clock"), here = document.querySelector("#clock");
        if (clock && here) { here.textContent = clock.textContent; }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; setTimeout(refresh, 150); }
      });
  }
  var es = new EventSource("/api/v1/events");
  es.onopen = function () { document.body.classList.add("is-live"); };
  es.onerror = function () { document.body.classList.remove("is-live"); };
  kinds.concat(["reset", "clock", "lost"]).forEach(function (k) { es.addEventListener(k, refresh); });
})();
