/* The inbox keeps its scroll position: leaving it for a task and coming back (by the crumb, the
   Back link or the browser) returns to the same place in the same list. */
(function () {
  "use strict";

  function key() {  // the same list whatever the order of its parameters
    var params = new URLSearchParams(location.search);
    params.sort();
    params.delete("page");
    params.append("page", new URLSearchParams(location.search).get("page") || "1");
    return "simpul-scroll:" + location.pathname + "?" + params.toString();
  }
  function onInbox() { return !!document.getElementById("inbox-list"); }

  function save() {
    if (!onInbox()) { return; }
    try { sessionStorage.setItem(key(), String(window.scrollY)); } catch (e) { /* private mode */ }
  }

  function restore() {
    if (!onInbox()) { return; }
    var y = null;
    try { y = sessionStorage.getItem(key()); } catch (e) { y = null; }
    if (y !== null) { window.scrollTo(0, parseInt(y, 10) || 0); }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a[href^='/tasks/']")) { save(); }
  }, true);
  window.addEventListener("pagehide", save);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (source && source.closest && source.closest("a[href^='/tasks/']")) { save(); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    // after htmx's own scroll to the top of a boosted page
    window.setTimeout(restore, 0);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
