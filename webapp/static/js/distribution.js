// The distribution checklist: every tick is its own POST. When the connection is down, the
// tick is kept in this browser (localStorage) and sent again as soon as it is back, so a
// dropped connection at the distribution point loses nothing.
(function () {
  "use strict";
  var KEY = "simpul-unsent-ticks";

  function queue() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(KEY, JSON.stringify(items)); }

  function mark(rowId, text) {
    var row = document.getElementById(rowId);
    if (!row) return;
    row.classList.add("is-unsent");
    var note = row.querySelector(".unsent");
    if (!note) {
      note = document.createElement("small");
      note.className = "unsent";
      row.querySelector(".who").appendChild(note);
    }
    note.textContent = text;
  }

  document.body.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-tick]");
    if (!form) return;
    var body = new URLSearchParams(new FormData(form));
    var submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
      event.detail.requestConfig.triggeringEvent.submitter;
    if (submitter && submitter.name) body.set(submitter.name, submitter.value);
    ["round-amount", "round-goods"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) body.set(input.name, input.value);
    });
    var rowId = form.closest("li").id;
    var items = queue().filter(function (item) { return item.row !== rowId; });
    items.push({ url: form.getAttribute("action"), body: body.toString(), row: rowId });
    save(items);
    mark(rowId, document.documentElement.lang === "id" ?
      "Belum terkirim: akan dikirim ulang saat koneksi kembali" :
      "Not sent yet: it is sent again when the connection is back");
  });

  var sending = false;
  function flush() {
    var items = queue();
    if (sending || !items.length || !navigator.onLine) return;
    sending = true;
    var item = items[0];
    fetch(item.url, {
      method: "POST", body: item.body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" }
    }).then(function (response) {
      return response.text().then(function (html) {
        save(queue().filter(function (other) { return other.row !== item.row; }));
        var row = document.getElementById(item.row);
        if (row && (response.ok || response.status === 422 || response.status === 409)) {
          row.outerHTML = html;
          var fresh = document.getElementById(item.row);
          if (fresh && window.htmx) window.htmx.process(fresh);
          document.body.dispatchEvent(new Event("line-saved"));
        }
      });
    }).catch(function () { /* still offline: try again later */ })
      .finally(function () { sending = false; if (queue().length) setTimeout(flush, 500); });
  }
  window.addEventListener("online", flush);
  setInterval(flush, 10000);
  queue().forEach(function (item) { mark(item.row, "…"); });
  flush();
})();
