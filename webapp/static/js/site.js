/* What every page shares: confirmations on destructive buttons, and after a refused form the
   focus on the error summary's first field. Works with and without htmx swaps. */
(function () {
  "use strict";

  // A button with data-confirm asks first; "Cancel" stops the submit (native or htmx-boosted).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Folded sections that stay open on a wide screen (the inbox filters fold on a phone).
  function unfoldWide(root) {
    if (!window.matchMedia("(min-width: 769px)").matches) { return; }
    (root || document).querySelectorAll("details[data-open-wide]").forEach(function (d) {
      d.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { unfoldWide(document); });
  document.addEventListener("htmx:afterSettle", function () { unfoldWide(document); });

  // After a form came back with errors: announce the summary and go to the first bad field.
  function focusFirstError() {
    var summary = document.querySelector(".error-summary");
    if (!summary || summary.dataset.seen) { return; }
    summary.dataset.seen = "1";  // once per refusal, not on every later swap
    var field = document.querySelector("[aria-invalid='true']");
    if (field && typeof field.focus === "function") {
      field.focus({ preventScroll: true });
    }
    summary.scrollIntoView({ block: "start" });
  }

  document.addEventListener("htmx:afterSettle", focusFirstError);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
