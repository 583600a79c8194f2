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

  // After a form came back with errors: announce the summary and go to the first bad field.
  function focusFirstError(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (!summary) { return; }
    var field = (root || document).querySelector("[aria-invalid='true']");
    if (field && typeof field.focus === "function") {
      field.focus({ preventScroll: true });
    }
    summary.scrollIntoView({ block: "start" });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    focusFirstError(event.detail && event.detail.elt);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  } else {
    focusFirstError(document);
  }
})();
