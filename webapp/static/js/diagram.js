/* Shows a program's BPMN diagram with finished steps and waiting steps highlighted. */
(function () {
  "use strict";

  function mark(canvas, registry, ids, marker) {
    ids.split(" ").filter(Boolean).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    });
  }

  function show(container) {
    if (container.dataset.loaded || typeof window.BpmnJS === "undefined") { return; }
    container.dataset.loaded = "1";
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.dataset.bpmnDiagram, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (xml) {  // a diagram deployed without drawing information is laid out
        if (!/<([\w.-]+:)?BPMNDiagram[\s>\/]/.test(xml) && window.SimpulAutoLayout) {
          return window.SimpulAutoLayout(xml).then(function (laidOut) {
            return viewer.importXML(laidOut);
          });
        }
        return viewer.importXML(xml);
      })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        mark(canvas, registry, container.dataset.completed || "", "simpul-done");
        mark(canvas, registry, container.dataset.current || "", "simpul-current");
        // comparing two versions: what was added, changed or removed
        mark(canvas, registry, container.dataset.added || "", "simpul-added");
        mark(canvas, registry, container.dataset.changed || "", "simpul-changed");
        mark(canvas, registry, container.dataset.removed || "", "simpul-removed");
        // On a phone the whole diagram is too small to read: zoom in on where work waits.
        var waiting = (container.dataset.current || "").split(" ").filter(Boolean)[0];
        if (container.clientWidth < 700 && waiting && registry.get(waiting)) {
          canvas.zoom(0.8);
          canvas.scrollToElement(registry.get(waiting));
        }
        container.classList.add("diagram-ready");
        var loading = container.querySelector(".diagram-loading");
        if (loading) { loading.remove(); }
      })
      .catch(function () {
        container.classList.add("diagram-failed");
      });
  }

  function init(root) {
    (root || document).querySelectorAll("[data-bpmn-diagram]").forEach(show);
  }

  init(document);
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
