// The distribution checklist: every tick is its own POST. A tick the server has not confirmed
// (no connection, a timeout, a server error, a session to renew) is kept in this browser
// (localStorage) and sent again until the server answers "saved"; the banner above the list
// says what is still waiting. The phone's time of the tick travels with it, so a tick sent
// again later counts from when it was made and never undoes a newer one.
(function () {
  "use strict";
  // Run again after a boosted navigation back to a checklist: show the queue, send it.
  if (window.simpulTicks) { window.simpulTicks(); return; }
  var KEY = "simpul-unsent-ticks";
  var banner = null, text = {}, user = "";

  function all() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* full: keep in page */ }
  }
  function mine() { return all().filter(function (item) { return item.user === user; }); }
  function without(row) {
    return all().filter(function (item) { return !(item.user === user && item.row === row); });
  }
  function forget(row) { store(without(row)); show(); }
  function keep(item) {
    var items = without(item.row);
    items.push(item);
    store(items);
    show();
  }

  function csrfToken() {
    var field = document.querySelector("form[data-tick] input[name=csrf_token]");
    if (field) { return field.value; }
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function fill(template, n) { return template.replace("{n}", String(n)); }

  // The banner and the rows: what is still waiting, and what the server refused.
  function show() {
    banner = document.getElementById("unsent");
    if (!banner) { return; }
    text = banner.dataset;
    user = text.user || "";
    var items = mine();
    var waiting = items.filter(function (item) { return !item.refused; });
    var refused = items.filter(function (item) { return item.refused; });
    banner.hidden = !items.length;
    banner.textContent = "";
    if (waiting.length) {
      var head = document.createElement("p");
      head.className = "unsent-count";
      var strong = document.createElement("strong");
      strong.textContent = fill(text.waiting, waiting.length);
      head.appendChild(strong);
      var hint = waiting.some(function (item) { return item.signIn; }) ? text.signIn : text.later;
      head.appendChild(document.createTextNode(" " + hint));
      banner.appendChild(head);
      var list = document.createElement("ul");
      waiting.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = item.name;
        list.appendChild(li);
      });
      banner.appendChild(list);
      var again = document.createElement("button");
      again.type = "button";
      again.className = "small";
      again.textContent = text.sendNow;
      again.addEventListener("click", function () { flush(true); });
      banner.appendChild(again);
    }
    refused.forEach(function (item) {
      var p = document.createElement("p");
      p.className = "unsent-refused";
      p.textContent = text.refused.replace("{name}", item.name) + " " + item.refused;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "small secondary outline";
      close.textContent = text.dismiss;
      close.addEventListener("click", function () { forget(item.row); });
      p.appendChild(close);
      banner.appendChild(p);
    });
    document.querySelectorAll(".tick-row.is-unsent").forEach(function (row) {
      row.classList.remove("is-unsent");
      var note = row.querySelector(".unsent");
      if (note) { note.remove(); }
    });
    waiting.forEach(function (item) { mark(item.row, text.row); });
  }

  function mark(rowId, message) {
    var row = document.getElementById(rowId);
    if (!row) { return; }
    row.classList.add("is-unsent");
    var note = document.createElement("small");
    note.className = "unsent";
    note.textContent = message;
    row.querySelector(".who").appendChild(note);
  }

  function swapRow(rowId, html) {
    var row = document.getElementById(rowId);
    if (!row || !html) { return; }
    row.outerHTML = html;
    var fresh = document.getElementById(rowId);
    if (fresh && window.htmx) { window.htmx.process(fresh); }
  }

  // Every tick carries the moment it was made on this phone.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.closest && event.detail.elt.closest("form[data-tick]")) {
      event.detail.parameters.ticked_at = new Date().toISOString();
    }
  });

  // After each tick's request: confirmed (forget any older copy), refused (the row says why),
  // or not answered (keep it to send again).
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-tick]");
    if (!form) { return; }
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var rowId = "line-" + form.getAttribute("action").split("/").pop();
    if (status >= 200 && status < 300 && /line-saved/.test(xhr.getResponseHeader("HX-Trigger") || "")) {
      forget(rowId);
    } else if (status === 409 || status === 422 || status === 404) {
      forget(rowId);  // refused for a reason the row now shows: sending it again would not help
    } else {
      var row = document.getElementById(rowId);
      var who = row && row.querySelector(".who strong");
      keep({
        user: user, row: rowId, url: form.getAttribute("action"),
        body: new URLSearchParams(event.detail.requestConfig.formData).toString(),
        name: who ? who.textContent : rowId, signIn: status === 400 || status === 401 || status === 403
      });
    }
  });

  var sending = false;
  function flush(now) {
    var items = mine().filter(function (item) { return !item.refused; });
    if (sending || !items.length || (!now && !navigator.onLine)) { return; }
    sending = true;
    var item = items[0];
    var body = new URLSearchParams(item.body);
    body.set("csrf_token", csrfToken());  // this page's token: the session may be a new one
    fetch(item.url, {
      method: "POST", body: body.toString(), credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                 "HX-Target": item.row, "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.text().then(function (html) {
        var status = response.type === "opaqueredirect" ? 401 : response.status;
        if (response.ok && /line-saved/.test(response.headers.get("HX-Trigger") || "")) {
          forget(item.row);
          swapRow(item.row, html);
          document.body.dispatchEvent(new Event("line-saved"));
        } else if (status === 409 || status === 422 || status === 404) {
          var reason = (new DOMParser().parseFromString(html, "text/html")
            .querySelector(".field-error") || {}).textContent || text.unknown;
          item.refused = reason;
          keep(item);
          swapRow(item.row, html);
        } else {
          item.signIn = status === 400 || status === 401 || status === 403;
          keep(item);
          throw new Error("not saved yet");
        }
      });
    }).then(function () {
      sending = false;
      if (mine().some(function (other) { return !other.refused; })) { setTimeout(flush, 300); }
    }, function () { sending = false; /* still offline, or to sign in again: later */ });
  }

  // Signing out with ticks still waiting would strand them on this phone: ask first.
  document.addEventListener("submit", function (event) {
    if (!event.target.matches || !event.target.matches("form.sign-out-form")) { return; }
    var waiting = mine().filter(function (item) { return !item.refused; }).length;
    if (waiting && !window.confirm(fill(text.signOut, waiting))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  window.addEventListener("online", function () { flush(false); });
  setInterval(function () { if (document.getElementById("unsent")) { flush(false); } }, 10000);
  window.simpulTicks = function () { show(); flush(false); };
  window.simpulTicks();
})();
