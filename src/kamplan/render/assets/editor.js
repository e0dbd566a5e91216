// kamplan serve --edit: drag a person onto their new manager; edit them from their card. Each edit is
// one request naming the content hashes this page was built from; the page reloads when the site is rebuilt.
(function () {
  var config = JSON.parse(document.getElementById("kamplan-edit").textContent);
  var chart = window.kamplanChart;
  var svg = document.querySelector("#chart svg") || document.getElementById("chart");
  var card = document.getElementById("card");
  var ATTITUDES = ["champion", "supporter", "neutral", "skeptic", "blocker", "unknown"];
  var INFLUENCE = ["low", "medium", "high", "decisive"];
  var STATUS = ["active", "new_in_role", "leaving", "left", "placeholder"];
  var ROLES = ["economic_buyer", "decision_maker", "technical_buyer", "user_buyer", "influencer", "champion", "coach",
               "gatekeeper", "approver", "evaluator", "end_user"];
  var STRENGTHS = ["weak", "medium", "strong"];

  function make(tag, attrs, parent, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  var bar = make("div", { id: "edit-bar", role: "region", "aria-label": "Editing" });
  document.body.insertBefore(bar, document.body.firstChild);
  make("strong", {}, bar, "Editing " + config.account);
  var undo = make("button", { type: "button", id: "edit-undo" }, bar, "Undo last edit");
  undo.disabled = !config.undo;
  var changesButton = make("button", { type: "button", id: "edit-changes" }, bar, "Changes");
  var status = make("span", { id: "edit-status", role: "status" }, bar);
  var alertBox = make("div", { id: "edit-alert", role: "alert" }, bar);
  var panel = make("div", { id: "edit-panel", hidden: "" }, bar);

  function say(text) { status.textContent = text; }
  function fail(body) {
    while (alertBox.firstChild) { alertBox.removeChild(alertBox.firstChild); }
    make("p", {}, alertBox, body.error || "The edit was refused.");
    (body.diagnostics || []).forEach(function (d) { make("pre", {}, alertBox, d); });
    if (body.reload) {
      var again = make("button", { type: "button", id: "edit-reload" }, alertBox, "Reload the page");
      again.addEventListener("click", function () { location.reload(); });
    }
  }

  function send(path, body) {
    body.account = config.account;
    body.hashes = config.hashes;
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Kamplan-Token": config.token },
                         body: JSON.stringify(body), cache: "no-store" })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); });
  }

  function edit(body, then) {
    say("Saving…");
    while (alertBox.firstChild) { alertBox.removeChild(alertBox.firstChild); }
    return send("/__kamplan/edit", body).then(function (r) {
      if (!r.ok) { say(""); fail(r.body); return; }
      if (r.body.hashes) { config.hashes = r.body.hashes; }
      undo.disabled = false;
      say(r.body.changed ? "Saved: " + r.body.what + " (the page reloads when the site is rebuilt)" : "No change");
      if (then) { then(); }
    });
  }

  undo.addEventListener("click", function () {
    send("/__kamplan/undo", {}).then(function (r) {
      if (!r.ok) { fail(r.body); return; }
      say("Undone");
      undo.disabled = !r.body.left;
    });
  });

  changesButton.addEventListener("click", function () {
    if (!panel.hidden) { panel.hidden = true; return; }
    fetch("/__kamplan/changes", { headers: { "X-Kamplan-Token": config.token }, cache: "no-store" })
      .then(function (r) { return r.json(); }).then(function (body) {
        while (panel.firstChild) { panel.removeChild(panel.firstChild); }
        make("h3", {}, panel, "Changes since the last commit");
        if (body.error) { make("p", {}, panel, body.error); }
        var list = make("ul", {}, panel);
        (body.changes || []).forEach(function (c) { make("li", {}, list, c.account + ": " + c.message); });
        if (!(body.changes || []).length) { make("li", {}, list, "none"); }
        if ((body.files || []).length) {
          make("label", { "for": "edit-message" }, panel, "Commit message");
          var message = make("textarea", { id: "edit-message", rows: "2" }, panel);
          var commit = make("button", { type: "button", id: "edit-commit" }, panel, "Commit " + body.files.length + " file(s)");
          commit.addEventListener("click", function () {
            send("/__kamplan/commit", { message: message.value }).then(function (r) {
              if (!r.ok) { fail(r.body); return; }
              say("Committed " + r.body.commit);
              panel.hidden = true;
            });
          });
        }
        panel.hidden = false;
      });
  });

  // drag and drop: a person onto their new manager
  var dragging = null;
  var ghost = make("div", { id: "edit-ghost", hidden: "" }, document.body);
  function nodeAt(x, y) {
    var hit = document.elementFromPoint(x, y);
    return hit && hit.closest ? hit.closest(".node") : null;
  }
  svg.addEventListener("pointerdown", function (event) {
    var node = event.target.closest && event.target.closest(".node");
    if (!node || (event.target.closest("[data-toggle]"))) { return; }
    dragging = { id: node.getAttribute("data-id"), x: event.clientX, y: event.clientY, moved: false, over: null };
  });
  window.addEventListener("pointermove", function (event) {
    if (!dragging) { return; }
    if (Math.abs(event.clientX - dragging.x) + Math.abs(event.clientY - dragging.y) > 8) { dragging.moved = true; }
    if (!dragging.moved) { return; }
    document.body.classList.add("edit-dragging");
    var source = svg.querySelector('.node[data-id="' + dragging.id + '"]');
    if (source) { source.classList.add("drag-source"); }
    var over = nodeAt(event.clientX, event.clientY);
    if (dragging.over && dragging.over !== over) { dragging.over.classList.remove("drop-target"); dragging.over = null; }
    var overId = over && over.getAttribute("data-id");
    if (over && overId !== dragging.id) { over.classList.add("drop-target"); dragging.over = over; }
    ghost.hidden = false;
    ghost.textContent = chart.person(dragging.id).name + (dragging.over ? " → reports to " + chart.person(overId).name
                                                                        : ": drop on the new manager");
    ghost.style.left = (event.clientX + 14) + "px";
    ghost.style.top = (event.clientY + 14) + "px";
  });
  window.addEventListener("pointerup", function (event) {
    if (!dragging) { return; }
    var drag = dragging;
    dragging = null;
    document.body.classList.remove("edit-dragging");
    ghost.hidden = true;
    if (drag.over) { drag.over.classList.remove("drop-target"); }
    Array.prototype.forEach.call(svg.querySelectorAll(".drag-source"), function (n) { n.classList.remove("drag-source"); });
    if (!drag.moved) { return; }
    var target = nodeAt(event.clientX, event.clientY);
    var manager = target && target.getAttribute("data-id");
    if (!manager || manager === drag.id) { return; }
    var person = chart.person(drag.id), boss = chart.person(manager);
    edit({ op: "set", person: drag.id, field: "reports_to", value: manager }).then(function () {
      say(status.textContent.replace(/^Saved: .*? \(/, "Saved: " + person.name + " now reports to " + boss.name + " ("));
    });
  });

  // the card: edit the selected person
  function select(parent, label, name, options, value, blank) {
    var id = "edit-" + name;
    make("label", { "for": id }, parent, label);
    var box = make("select", { id: id, name: name }, parent);
    if (blank) { make("option", { value: "" }, box, blank); }
    options.forEach(function (o) {
      var opt = make("option", { value: o }, box, o.replace(/_/g, " "));
      if (o === value) { opt.selected = true; }
    });
    return box;
  }

  function editForm(p) {
    var form = make("form", { id: "edit-form", "aria-label": "Edit " + p.name });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var fields = make("fieldset", {}, form);
    make("legend", {}, fields, "Person");
    var attitude = select(fields, "Attitude", "attitude", ATTITUDES, p.attitude || "unknown");
    var influence = select(fields, "Influence", "influence", INFLUENCE, p.influence || "medium");
    var state = select(fields, "Status", "status", STATUS, p.status || "active");
    make("label", { "for": "edit-reports_to" }, fields, "Reports to (or drag the box onto the manager)");
    var manager = make("select", { id: "edit-reports_to", name: "reports_to" }, fields);
    make("option", { value: "" }, manager, "nobody (top of the chart)");
    chart.people().filter(function (o) { return o.id !== p.id; }).forEach(function (o) {
      var opt = make("option", { value: o.id }, manager, o.name + (o.title ? " — " + o.title : ""));
      if (o.id === p.reports_to) { opt.selected = true; }
    });
    var roles = make("div", { "class": "edit-roles" }, fields);
    ROLES.forEach(function (r) {
      var label = make("label", {}, roles);
      var box = make("input", { type: "checkbox", value: r, name: "role" }, label);
      box.checked = (p.roles || []).indexOf(r) >= 0;
      label.appendChild(document.createTextNode(" " + r.replace(/_/g, " ")));
    });
    var save = make("button", { type: "button", id: "edit-save" }, fields, "Save person");
    save.addEventListener("click", function () {
      var wanted = { reports_to: manager.value || null, attitude: attitude.value, influence: influence.value, status: state.value,
                     roles: Array.prototype.filter.call(roles.querySelectorAll("input"), function (b) { return b.checked; })
                       .map(function (b) { return b.value; }) };
      var current = { reports_to: p.reports_to || null, attitude: p.attitude || "unknown", influence: p.influence || "medium", status: p.status || "active",
                      roles: p.roles || [] };
      var queue = Object.keys(wanted).filter(function (k) { return JSON.stringify(wanted[k]) !== JSON.stringify(current[k]); });
      (function next() {
        if (!queue.length) { return; }
        var key = queue.shift();
        edit({ op: "set", person: p.id, field: key, value: wanted[key] }, next);
      }());
    });

    var dotted = make("fieldset", {}, form);
    make("legend", {}, dotted, "Dotted lines");
    (p.dotted_to || []).forEach(function (m) {
      var row = make("div", {}, dotted);
      make("span", {}, row, (chart.person(m) || { name: m }).name + " ");
      var remove = make("button", { type: "button" }, row, "Remove");
      remove.addEventListener("click", function () {
        edit({ op: "set", person: p.id, field: "dotted_to", value: (p.dotted_to || []).filter(function (x) { return x !== m; }) });
      });
    });
    var others = chart.people().filter(function (o) { return o.id !== p.id && (p.dotted_to || []).indexOf(o.id) < 0; });
    var to = make("select", { id: "edit-dotted", "aria-label": "Add a dotted line to" }, dotted);
    others.forEach(function (o) { make("option", { value: o.id }, to, o.name); });
    var addDotted = make("button", { type: "button", id: "edit-add-dotted" }, dotted, "Add dotted line");
    addDotted.addEventListener("click", function () {
      edit({ op: "set", person: p.id, field: "dotted_to", value: (p.dotted_to || []).concat([to.value]) });
    });

    var ties = make("fieldset", {}, form);
    make("legend", {}, ties, "Our relationships");
    config.team.forEach(function (member) {
      var tie = config.ties.filter(function (t) { return t.team === member.id && t.person === p.id; })[0] || {};
      var row = make("div", { "class": "edit-tie", "data-team": member.id }, ties);
      make("span", {}, row, member.name);
      var strength = select(row, "Strength", "strength-" + member.id, STRENGTHS, tie.strength, "none");
      var target = select(row, "Target", "target-" + member.id, STRENGTHS, tie.target, "—");
      make("label", { "for": "edit-contact-" + member.id }, row, "Last contact");
      var contact = make("input", { type: "date", id: "edit-contact-" + member.id, value: tie.last_contact || "" }, row);
      var saveTie = make("button", { type: "button" }, row, "Save tie");
      saveTie.addEventListener("click", function () {
        if (!strength.value && !tie.strength) { return; }
        edit({ op: "relationship", person: p.id, team: member.id, strength: strength.value || null,
               target: target.value || null, last_contact: contact.value || null });
      });
    });

    var meet = make("fieldset", {}, form);
    make("legend", {}, meet, "Log an interaction");
    make("label", { "for": "edit-date" }, meet, "Date");
    var day = make("input", { type: "date", id: "edit-date", value: new Date().toISOString().slice(0, 10) }, meet);
    var who = make("div", { "class": "edit-who" }, meet);
    config.team.forEach(function (member) {
      var label = make("label", {}, who);
      make("input", { type: "checkbox", value: member.id, name: "met" }, label);
      label.appendChild(document.createTextNode(" " + member.name));
    });
    make("label", { "for": "edit-summary" }, meet, "Summary");
    var summary = make("input", { type: "text", id: "edit-summary" }, meet);
    var log = make("button", { type: "button", id: "edit-log" }, meet, "Log interaction");
    log.addEventListener("click", function () {
      var team = Array.prototype.filter.call(who.querySelectorAll("input"), function (b) { return b.checked; })
        .map(function (b) { return b.value; });
      edit({ op: "interaction", date: day.value, team: team, people: [p.id], summary: summary.value });
    });

    var add = make("fieldset", {}, form);
    make("legend", {}, add, "Add someone under " + p.name);
    make("label", { "for": "edit-new-name" }, add, "Name (empty: a role to identify)");
    var name = make("input", { type: "text", id: "edit-new-name" }, add);
    make("label", { "for": "edit-new-title" }, add, "Title");
    var title = make("input", { type: "text", id: "edit-new-title" }, add);
    var addPerson = make("button", { type: "button", id: "edit-add-person" }, add, "Add person");
    addPerson.addEventListener("click", function () {
      edit({ op: "add_person", manager: p.id, name: name.value, title: title.value });
    });
    return form;
  }

  function onCard() {
    if (card.hidden || card.querySelector("#edit-form")) { return; }
    var id = chart.state().selected;
    if (!id) { return; }
    card.appendChild(editForm(chart.person(id)));
  }
  new MutationObserver(onCard).observe(card, { childList: true, attributes: true, attributeFilter: ["hidden"] });
}());
