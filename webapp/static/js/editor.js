/* The diagram editor: bpmn-js (with its properties panel and a Simpul panel for forms,
   conditions, scripts and decisions) or dmn-js; check and deploy through the server, which
   validates everything again and lists every problem per element. */
(function () {
  "use strict";

  var root = document.getElementById("editor");
  if (!root) { return; }

  // The spiffworkflow extension elements SpiffWorkflow reads. Declaring them lets the editor
  // change them; every element SpiffWorkflow knows is declared so none is lost on save.
  function bodyType(name) {
    return { name: name, superClass: ["Element"], properties: [
      { name: "value", type: "String", isBody: true }] };
  }
  var SPIFF = {
    name: "SpiffWorkflow", prefix: "spiffworkflow",
    uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    xml: { tagAlias: "lowerCase" }, associations: [],
    types: [
      { name: "Properties", superClass: ["Element"], properties: [
        { name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"], properties: [
        { name: "name", type: "String", isAttr: true },
        { name: "value", type: "String", isAttr: true }] },
      { name: "ServiceTaskOperator", superClass: ["Element"], properties: [
        { name: "id", type: "String", isAttr: true },
        { name: "resultVariable", type: "String", isAttr: true },
        { name: "parameterList", type: "Parameters" },
        { name: "retry", type: "Retry" }] },
      { name: "Parameters", superClass: ["Element"], properties: [
        { name: "parameters", type: "Parameter", isMany: true }] },
      { name: "Parameter", superClass: ["Element"], properties: [
        { name: "id", type: "String", isAttr: true },
        { name: "type", type: "String", isAttr: true },
        { name: "value", type: "String", isAttr: true }] },
      { name: "Retry", superClass: ["Element"], properties: [
        { name: "retries", type: "String", isAttr: true },
        { name: "backoff_base", type: "String", isAttr: true }] },
      { name: "TaskMetadataValues", superClass: ["Element"], properties: [
        { name: "values", type: "TaskMetadataValue", isMany: true }] },
      { name: "TaskMetadataValue", superClass: ["Element"], properties: [
        { name: "name", type: "String", isAttr: true },
        { name: "value", type: "String", isAttr: true }] },
      { name: "UnitTests", superClass: ["Element"], properties: [
        { name: "unitTests", type: "UnitTest", isMany: true }] },
      { name: "UnitTest", superClass: ["Element"], properties: [
        { name: "id", type: "String", isAttr: true },
        { name: "inputJson", type: "InputJson" },
        { name: "expectedOutputJson", type: "ExpectedOutputJson" }] },
      bodyType("InputJson"), bodyType("ExpectedOutputJson"),
      bodyType("CalledDecisionId"), bodyType("PreScript"), bodyType("PostScript"),
      bodyType("InstructionsForEndUser"), bodyType("MessageVariable"),
      bodyType("MessagePayload"), bodyType("ProcessVariableCorrelationKey"),
      bodyType("SignalButtonLabel"), bodyType("AllowGuest"), bodyType("GuestConfirmation"),
      bodyType("IsManualTask"), bodyType("VariableName")
    ]
  };

  var SIMPUL = {
    name: "Simpul", prefix: "simpul", uri: "https://simpul.id/schema/bpmn/1.0",
    xml: { tagAlias: "lowerCase" }, associations: [],
    types: [
      { name: "Fields", superClass: ["Element"], properties: [
        { name: "fields", type: "Field", isMany: true }] },
      { name: "Field", superClass: ["Element"], properties: [
        { name: "name", type: "String", isAttr: true },
        { name: "label", type: "String", isAttr: true },
        { name: "type", type: "String", isAttr: true },
        { name: "required", type: "String", isAttr: true },
        { name: "help", type: "String", isAttr: true },
        { name: "choices", type: "Choice", isMany: true }] },
      { name: "Choice", superClass: ["Element"], properties: [
        { name: "value", type: "String", isAttr: true },
        { name: "label", type: "String", isAttr: true }] }
    ]
  };
  var OWN_FIELDS = "__fields__";

  var texts = {};
  document.getElementById("editor-texts").content.querySelectorAll("[data-key]")
    .forEach(function (el) { texts[el.dataset.key] = el.textContent; });
  var kind = root.dataset.kind;
  var statusBox = document.getElementById("editor-status");
  var problemsBox = document.getElementById("editor-problems");
  var dirty = false;
  var marked = [];
  var modeler;

  function status(text, tone) {
    statusBox.textContent = text || "";
    statusBox.className = "editor-status" + (tone ? " editor-status-" + tone : "");
  }

  // The editors' own texts (palette, menus, tooltips, properties, decision table) in the
  // reader's language: a translate module replacing the libraries' English.
  var dictionary = (window.SimpulEditorTexts || {})[root.dataset.locale] || {};
  function translate(template, replacements) {
    var text = Object.prototype.hasOwnProperty.call(dictionary, template) ?
      dictionary[template] : template;
    return text.replace(/{([^}]+)}/g, function (whole, key) {
      return replacements && replacements[key] !== undefined ? replacements[key] : whole;
    });
  }
  var translateModule = { translate: ["value", translate] };
  if (window.SimpulEditorTexts && window.SimpulEditorTexts.watch) {
    window.SimpulEditorTexts.watch(document.body, dictionary);  // texts written around it
  }

  if (kind === "bpmn") {
    var panel = window.BpmnJSPropertiesPanel;
    modeler = new window.BpmnJS({
      container: "#editor-canvas",
      propertiesPanel: { parent: "#properties-panel" },
      additionalModules: [panel.BpmnPropertiesPanelModule, panel.BpmnPropertiesProviderModule,
                          translateModule],
      moddleExtensions: { spiffworkflow: SPIFF, simpul: SIMPUL }
    });
    modeler.on("commandStack.changed", function () { dirty = true; status(texts.unsaved); });
  } else {
    var translated = { additionalModules: [translateModule] };
    modeler = new window.DmnJS({ container: "#editor-canvas", drd: translated,
                                 decisionTable: translated, literalExpression: translated,
                                 boxedExpression: translated });
    modeler.on("views.changed", function () {
      var viewer = modeler.getActiveViewer();
      if (viewer && !viewer.__simpulWatched) {
        viewer.__simpulWatched = true;
        viewer.on("commandStack.changed", function () { dirty = true; status(texts.unsaved); });
      }
    });
  }

  window.simpulModeler = modeler;  // for the browser console (and the browser tests)

  // Fit the diagram with room for the palette on the left, so it covers no element.
  function fitWithRoom(canvas) {
    canvas.zoom("fit-viewport", "auto");
    var box = canvas.viewbox();
    if (!box.inner || !box.inner.width) { return; }
    // screen pixels: right of the palette (one or two columns, by the window's height)
    var palette = root.querySelector(".djs-palette");
    var container = root.querySelector("#editor-canvas").getBoundingClientRect();
    var left = palette ? palette.getBoundingClientRect().right - container.left + 24 : 90;
    var other = 30;
    var outer = box.outer;
    var scale = Math.min(1, (outer.width - left - other) / box.inner.width,
                         (outer.height - 2 * other) / box.inner.height);
    canvas.viewbox({ x: box.inner.x - left / scale, y: box.inner.y - other / scale,
                     width: outer.width / scale, height: outer.height / scale });
  }

  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // A process file without drawing information (some tools export only the process) is laid
  // out first, so that it can be shown and edited.
  function importDiagram(xml) {
    var drawn = /<([\w.-]+:)?BPMNDiagram[\s>\/]/.test(xml);
    if (kind !== "bpmn" || drawn || !window.SimpulAutoLayout) {
      return modeler.importXML(xml);
    }
    return window.SimpulAutoLayout(xml).then(function (laidOut) {
      return modeler.importXML(laidOut);
    });
  }

  fetch(root.dataset.source, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    })
    .then(importDiagram)
    .then(function () {
      var loading = root.querySelector(".diagram-loading");
      if (loading) { loading.remove(); }
      if (kind === "bpmn") {
        fitWithRoom(modeler.get("canvas"));
        setupSimpulPanel();
      } else {
        var table = modeler.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
        if (table) { modeler.open(table); }
      }
      root.classList.add("editor-ready");
    })
    .catch(function () { status(texts["load-failed"], "error"); });

  /* ---- open a file from the computer (drawn in Camunda Modeler, say) ---- */

  var fileInput = document.getElementById("editor-file");
  document.getElementById("editor-open").addEventListener("click", function () {
    fileInput.click();
  });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    if (!file) { return; }
    file.text().then(importDiagram).then(function () {
      root.dataset.filename = file.name;
      dirty = true;
      clearProblems();
      if (kind === "bpmn") { fitWithRoom(modeler.get("canvas")); }
      status(texts["file-opened"], "ok");
    }).catch(function () { status(texts["load-failed"], "error"); });
    fileInput.value = "";
  });

  /* ---- problems ---- */

  function clearProblems() {
    if (kind === "bpmn") {
      var canvas = modeler.get("canvas");
      marked.forEach(function (id) { canvas.removeMarker(id, "simpul-problem"); });
    }
    marked = [];
    problemsBox.hidden = true;
    problemsBox.querySelector("ul").replaceChildren();
  }

  function showProblems(problems, message) {
    clearProblems();
    var list = problemsBox.querySelector("ul");
    var registry = kind === "bpmn" ? modeler.get("elementRegistry") : null;
    if (message && !problems.length) {
      var only = document.createElement("li");
      only.textContent = message;
      list.appendChild(only);
    }
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      var element = registry && problem.element_id ? registry.get(problem.element_id) : null;
      if (problem.where) {
        var where = document.createElement(element ? "a" : "strong");
        where.textContent = problem.where;
        if (element) {
          where.href = "#";
          where.addEventListener("click", function (event) {
            event.preventDefault();
            modeler.get("selection").select(element);
            modeler.get("canvas").scrollToElement(element);
          });
        }
        item.appendChild(where);
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(problem.message));
      item.dataset.elementId = problem.element_id || "";
      list.appendChild(item);
      if (element && marked.indexOf(element.id) < 0) {
        modeler.get("canvas").addMarker(element.id, "simpul-problem");
        marked.push(element.id);
      }
    });
    problemsBox.hidden = false;
  }

  /* ---- talking to the server ---- */

  function post(url, fields) {
    return modeler.saveXML({ format: true }).then(function (result) {
      var body = new FormData();
      body.append("csrf_token", root.dataset.csrf);
      body.append("xml", result.xml);
      body.append("filename", root.dataset.filename);
      Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
      return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                          headers: { "X-CSRFToken": root.dataset.csrf } });
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  document.getElementById("editor-check").addEventListener("click", function () {
    status(texts.checking);
    post(root.dataset.checkUrl).then(function (answer) {
      if (answer.ok) { clearProblems(); status(texts.ok, "ok"); return; }
      status("");
      showProblems(answer.data.problems || [], answer.data.message);
    }).catch(function () { status(texts.failed, "error"); });
  });

  var dialog = document.getElementById("deploy-dialog");
  var comment = document.getElementById("deploy-comment");
  document.getElementById("editor-deploy").addEventListener("click", function () {
    dialog.showModal();
    comment.focus();
  });
  document.getElementById("deploy-cancel").addEventListener("click", function () {
    dialog.close();
  });
  document.getElementById("deploy-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!comment.value.trim()) { comment.setAttribute("aria-invalid", "true"); return; }
    dialog.close();
    status(texts.deploying);
    post(root.dataset.deployUrl, { comment: comment.value.trim() }).then(function (answer) {
      if (answer.ok && answer.data.redirect) {
        dirty = false;
        window.location.assign(answer.data.redirect);
        return;
      }
      if (answer.ok) { clearProblems(); status(answer.data.message, "ok"); return; }
      status(answer.data.message || "", "error");
      showProblems(answer.data.problems || [], answer.data.message);
    }).catch(function () { status(texts.failed, "error"); });
  });

  /* ---- the Simpul panel: form, phase, condition, script, decision ---- */

  function setupSimpulPanel() {
    var box = document.getElementById("simpul-panel");
    var title = document.getElementById("simpul-panel-title");
    var moddle = modeler.get("moddle");
    var modeling = modeler.get("modeling");
    var current = null;
    var fields = {
      form: document.getElementById("sp-form"),
      phase: document.getElementById("sp-phase"),
      condition: document.getElementById("sp-condition"),
      script: document.getElementById("sp-script"),
      decision: document.getElementById("sp-decision")
    };

    function extensions(bo) {
      return bo.extensionElements ? bo.extensionElements.get("values") : [];
    }
    function properties(bo) {
      var found = extensions(bo).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
      var map = {};
      if (found) { found.get("properties").forEach(function (p) { map[p.name] = p.value; }); }
      return { element: found, map: map };
    }
    function replaceExtension(element, type, replacement) {
      var bo = element.businessObject;
      var others = extensions(bo).filter(function (v) { return v.$type !== type; });
      var values = replacement ? others.concat([replacement]) : others;
      var ext = moddle.create("bpmn:ExtensionElements", { values: values });
      values.forEach(function (v) { v.$parent = ext; });
      writing = true;
      try {
        modeling.updateProperties(element, { extensionElements: values.length ? ext : undefined });
      } finally {
        writing = false;
      }
    }
    function setProperty(element, name, value) {
      var map = properties(element.businessObject).map;
      if (value) { map[name] = value; } else { delete map[name]; }
      var names = Object.keys(map);
      var props = null;
      if (names.length) {
        props = moddle.create("spiffworkflow:Properties", { properties: names.map(function (n) {
          return moddle.create("spiffworkflow:Property", { name: n, value: map[n] });
        }) });
        props.get("properties").forEach(function (p) { p.$parent = props; });
      }
      replaceExtension(element, "spiffworkflow:Properties", props);
    }

    function section(name, visible) {
      box.querySelector('[data-for="' + name + '"]').hidden = !visible;
    }

    function show(element) {
      if (element && element.labelTarget) { element = element.labelTarget; }
      current = element;
      if (!element) { box.hidden = true; return; }
      var bo = element.businessObject;
      var type = element.type;
      var fromGateway = type === "bpmn:SequenceFlow" && bo.sourceRef &&
        /Gateway$/.test(bo.sourceRef.$type);
      var known = ["bpmn:UserTask", "bpmn:ScriptTask", "bpmn:BusinessRuleTask"].indexOf(type) >= 0;
      if (!known && !fromGateway) { box.hidden = true; return; }
      box.hidden = false;
      title.textContent = bo.name || bo.id;
      section("userTask", type === "bpmn:UserTask");
      section("condition", fromGateway);
      section("script", type === "bpmn:ScriptTask");
      section("decision", type === "bpmn:BusinessRuleTask");
      if (type === "bpmn:UserTask") {
        var map = properties(bo).map;
        var own = fieldList(bo);
        var formKey = own ? OWN_FIELDS : (map.formKey || "");
        if (formKey && !fields.form.querySelector('option[value="' + CSS.escape(formKey) + '"]')) {
          var option = document.createElement("option");
          option.value = formKey;
          option.textContent = formKey;
          fields.form.appendChild(option);
        }
        fields.form.value = formKey;
        fields.phase.value = map.phase || "";
        renderFieldList(own);
      }
      if (fromGateway) {
        fields.condition.value = bo.conditionExpression ? (bo.conditionExpression.body || "") : "";
      }
      if (type === "bpmn:ScriptTask") { fields.script.value = bo.script || ""; }
      if (type === "bpmn:BusinessRuleTask") {
        var decision = extensions(bo).filter(function (v) {
          return v.$type === "spiffworkflow:CalledDecisionId";
        })[0];
        fields.decision.value = decision ? (decision.value || "") : "";
      }
    }

    modeler.on("selection.changed", function (event) {
      show(event.newSelection.length === 1 ? event.newSelection[0] : null);
    });
    // Refresh the panel when the element changes elsewhere (undo, the properties panel),
    // never in answer to the panel's own writes (that would wipe what is being typed).
    var writing = false;
    modeler.on("element.changed", function (event) {
      if (!writing && current && event.element === current) { show(current); }
    });

    fields.form.addEventListener("change", function () {
      if (!current) { return; }
      if (fields.form.value === OWN_FIELDS) {
        setProperty(current, "formKey", "");
        if (!fieldList(current.businessObject)) {
          writeFieldList([{ name: "catatan", label: texts["default-field"], type: "textarea",
                            required: false, help: "", choices: [] }]);
        }
      } else {
        replaceExtension(current, "simpul:Fields", null);
        setProperty(current, "formKey", fields.form.value);
      }
      show(current);
    });

    /* the step's own field list (simpul:fields) */
    var listBox = document.getElementById("sp-field-list");
    var typeLabels = JSON.parse(root.dataset.fieldTypes || "{}");

    function fieldList(bo) {
      var found = extensions(bo).filter(function (v) { return v.$type === "simpul:Fields"; })[0];
      if (!found) { return null; }
      return found.get("fields").map(function (f) {
        return { name: f.name || "", label: f.label || "", type: f.type || "text",
                 required: f.required === "true", help: f.help || "",
                 choices: (f.get("choices") || []).map(function (c) {
                   return { value: c.value || "", label: c.label || "" };
                 }) };
      });
    }

    function writeFieldList(list) {
      var block = moddle.create("simpul:Fields", { fields: list.map(function (f) {
        var attrs = { name: f.name, label: f.label, type: f.type,
                      required: f.required ? "true" : "false" };
        if (f.help) { attrs.help = f.help; }
        if (f.type === "choice" || f.type === "multichoice") {
          attrs.choices = f.choices.map(function (c) {
            return moddle.create("simpul:Choice", { value: c.value, label: c.label });
          });
        }
        var field = moddle.create("simpul:Field", attrs);
        field.get("choices").forEach(function (c) { c.$parent = field; });
        return field;
      }) });
      block.get("fields").forEach(function (f) { f.$parent = block; });
      replaceExtension(current, "simpul:Fields", block);
    }

    function slug(text) {
      var base = (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60);
      if (!base) { return "isian"; }
      return /^[a-z]/.test(base) ? base : "isian_" + base;
    }

    function choicesText(choices) {
      return choices.map(function (c) {
        return c.label && c.label !== c.value ? c.value + " = " + c.label : c.value;
      }).join("\n");
    }

    function parseChoices(text) {
      return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean)
        .map(function (line) {
          var at = line.indexOf("=");
          if (at > 0) {
            return { value: line.slice(0, at).trim(), label: line.slice(at + 1).trim() };
          }
          return { value: slug(line), label: line };
        });
    }

    function input(labelText, control) {
      var label = document.createElement("label");
      label.textContent = labelText;
      label.appendChild(control);
      return label;
    }

    function renderFieldList(list) {
      listBox.replaceChildren();
      listBox.hidden = !list;
      if (!list) { return; }
      list.forEach(function (field, index) {
        var card = document.createElement("fieldset");
        card.className = "sp-field";
        card.dataset.index = String(index);
        var label = document.createElement("input");
        label.value = field.label;
        label.className = "sp-field-label";
        var name = document.createElement("input");
        name.value = field.name;
        name.className = "sp-field-name";
        name.spellcheck = false;
        var kind = document.createElement("select");
        kind.className = "sp-field-type";
        Object.keys(typeLabels).forEach(function (key) {
          var option = document.createElement("option");
          option.value = key;
          option.textContent = typeLabels[key];
          kind.appendChild(option);
        });
        kind.value = field.type;
        var required = document.createElement("input");
        required.type = "checkbox";
        required.checked = field.required;
        required.className = "sp-field-required";
        var choices = document.createElement("textarea");
        choices.rows = 3;
        choices.value = choicesText(field.choices);
        choices.className = "sp-field-choices";
        var help = document.createElement("input");
        help.value = field.help;
        help.className = "sp-field-help";
        card.appendChild(input(texts["field-label"], label));
        card.appendChild(input(texts["field-name"], name));
        card.appendChild(input(texts["field-type"], kind));
        var choiceBox = input(texts["field-choices"], choices);
        choiceBox.hidden = !(field.type === "choice" || field.type === "multichoice");
        card.appendChild(choiceBox);
        card.appendChild(input(texts["field-help"], help));
        var check = document.createElement("label");
        check.className = "check";
        check.appendChild(required);
        check.appendChild(document.createTextNode(" " + texts["field-required"]));
        card.appendChild(check);
        var tools = document.createElement("div");
        tools.className = "sp-field-tools";
        [["up", -1], ["down", 1], ["remove", 0]].forEach(function (tool) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "sp-field-" + tool[0];
          button.textContent = texts["field-" + tool[0]];
          button.addEventListener("click", function () {
            var now = fieldList(current.businessObject) || [];
            if (tool[1] === 0) {
              now.splice(index, 1);
            } else {
              var to = index + tool[1];
              if (to < 0 || to >= now.length) { return; }
              now.splice(to, 0, now.splice(index, 1)[0]);
            }
            writeFieldList(now);
            renderFieldList(fieldList(current.businessObject));
          });
          tools.appendChild(button);
        });
        card.appendChild(tools);
        var nameTouched = field.name !== slug(field.label);
        name.addEventListener("input", function () { nameTouched = true; });
        label.addEventListener("input", function () {
          if (!nameTouched) { name.value = slug(label.value); }
        });
        kind.addEventListener("change", function () {
          choiceBox.hidden = !(kind.value === "choice" || kind.value === "multichoice");
        });
        card.addEventListener("change", function () {
          var now = fieldList(current.businessObject) || [];
          now[index] = { name: name.value.trim(), label: label.value.trim(), type: kind.value,
                         required: required.checked, help: help.value.trim(),
                         choices: parseChoices(choices.value) };
          writeFieldList(now);
        });
        listBox.appendChild(card);
      });
      var add = document.createElement("button");
      add.type = "button";
      add.id = "sp-field-add";
      add.className = "secondary small";
      add.textContent = texts["field-add"];
      add.addEventListener("click", function () {
        var now = fieldList(current.businessObject) || [];
        var n = now.length + 1;
        var label = texts["field-new"] + " " + n;
        now.push({ name: slug(label), label: label, type: "text", required: false, help: "",
                   choices: [] });
        writeFieldList(now);
        renderFieldList(fieldList(current.businessObject));
        var cards = listBox.querySelectorAll(".sp-field-label");
        if (cards.length) { cards[cards.length - 1].focus(); }
      });
      listBox.appendChild(add);
    }
    fields.phase.addEventListener("change", function () {
      if (current) { setProperty(current, "phase", fields.phase.value); }
    });
    fields.condition.addEventListener("change", function () {
      if (!current) { return; }
      var text = fields.condition.value.trim();
      writing = true;
      try {
        modeling.updateProperties(current, { conditionExpression: text
          ? moddle.create("bpmn:FormalExpression", { body: text }) : undefined });
      } finally {
        writing = false;
      }
    });
    fields.script.addEventListener("change", function () {
      if (!current) { return; }
      writing = true;
      try {
        modeling.updateProperties(current, { scriptFormat: "python", script: fields.script.value });
      } finally {
        writing = false;
      }
    });
    fields.decision.addEventListener("change", function () {
      if (!current) { return; }
      var text = fields.decision.value.trim();
      replaceExtension(current, "spiffworkflow:CalledDecisionId", text
        ? moddle.create("spiffworkflow:CalledDecisionId", { value: text }) : null);
    });
  }
})();
