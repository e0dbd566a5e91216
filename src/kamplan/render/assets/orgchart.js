// Interactive org chart: d3-hierarchy lays the tree out; everything else is plain DOM.
// User text only ever reaches the page through textContent, never through HTML parsing.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 190, H = 54, ROOT = "__root__";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var svg = document.getElementById("chart");
  var viewport = document.getElementById("viewport");
  var card = document.getElementById("card");
  // Maps keyed by plan ids have no prototype: an id like "constructor" must not find Object's members.
  var people = Object.create(null), children = Object.create(null), tops = [];
  data.people.forEach(function (p) { people[p.id] = p; });
  data.people.forEach(function (p) {
    var parent = p.reports_to && people[p.reports_to] && p.reports_to !== p.id ? p.reports_to : null;
    if (parent) { (children[parent] = children[parent] || []).push(p.id); } else { tops.push(p.id); }
  });
  var collapsed = new Set(), matches = new Set(), positions = Object.create(null);
  var focusRoot = null, selected = null, colorBy = "attitude";
  var view = { x: 0, y: 0, k: 1 };
  var sizes = Object.create(null), depths = Object.create(null);

  function size(id) {  // people below id (all levels), iterative
    if (sizes[id] !== undefined) { return sizes[id]; }
    var stack = [id], order = [];
    while (stack.length) { var cur = stack.pop(); order.push(cur); (children[cur] || []).forEach(function (c) { stack.push(c); }); }
    for (var i = order.length - 1; i >= 0; i--) {
      var n = order[i], total = 0;
      (children[n] || []).forEach(function (c) { total += 1 + sizes[c]; });
      sizes[n] = total;
    }
    return sizes[id];
  }
  function depthOf(id) {  // levels above id, however deep the chain (memoised; a loop cannot run forever)
    if (depths[id] !== undefined) { return depths[id]; }
    var chain = [], cur = id, guard = data.people.length;
    while (cur !== null && depths[cur] === undefined && guard-- > 0) {
      chain.push(cur);
      var p = people[cur], up = p && p.reports_to && people[p.reports_to] && p.reports_to !== cur ? p.reports_to : null;
      cur = up;
    }
    var d = cur !== null && depths[cur] !== undefined ? depths[cur] + 1 : 0;
    for (var i = chain.length - 1; i >= 0; i--) { depths[chain[i]] = d; d++; }
    return depths[id];
  }
  function collapseBelow(level) {
    collapsed.clear();
    data.people.forEach(function (p) { if (children[p.id] && depthOf(p.id) >= level) { collapsed.add(p.id); } });
  }
  if (data.collapse_depth) { collapseBelow(data.collapse_depth - 1); }

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function text(parent, attrs, value) { var t = el("text", attrs, parent); t.textContent = value; return t; }
  function cut(value, n) { value = value || ""; return value.length > n ? value.slice(0, n - 1) + "…" : value; }
  function colourKey(p) { return colorBy === "role" ? p.role_key : p[colorBy]; }
  function colour(p) {
    var key = colourKey(p);
    return data.palettes[colorBy][key] || { fill: "#ffffff", text: "#1a1a1a" };
  }

  function layout() {
    var rootIds = focusRoot ? [focusRoot] : tops;
    var root = d3.hierarchy({ id: ROOT }, function (d) {
      if (d.id === ROOT) { return rootIds.map(function (id) { return { id: id }; }); }
      if (collapsed.has(d.id)) { return null; }
      return (children[d.id] || []).map(function (id) { return { id: id }; });
    });
    d3.tree().nodeSize([W + 26, H + 56]).separation(function (a, b) { return a.parent === b.parent ? 1 : 1.2; })(root);
    return root;
  }

  function render() {
    while (viewport.firstChild) { viewport.removeChild(viewport.firstChild); }
    var root = layout();
    positions = Object.create(null);
    var nodes = root.descendants().filter(function (d) { return d.data.id !== ROOT; });
    nodes.forEach(function (d) { positions[d.data.id] = d; });
    var links = el("g", { "class": "links" }, viewport);
    nodes.forEach(function (d) {
      if (!d.parent || d.parent.data.id === ROOT) { return; }
      var midY = d.parent.y + H + 28;
      el("path", { "class": "link", d: "M" + d.parent.x + "," + (d.parent.y + H) + "V" + midY + "H" + d.x + "V" + d.y }, links);
    });
    var overlay = el("g", { "class": "overlay" }, viewport);
    if (document.getElementById("show-dotted").checked) {
      nodes.forEach(function (d) {
        (people[d.data.id].dotted_to || []).forEach(function (m) {
          var a = positions[m];
          if (a) { el("path", { "class": "dotted", d: curve(a, d) }, overlay); }
        });
      });
    }
    if (document.getElementById("show-ties").checked) {
      data.ties.forEach(function (t) {
        var a = positions[t.from], b = positions[t.to];
        if (a && b && a !== b) { el("path", { "class": "tie-" + t.kind, d: curve(a, b) }, overlay); }
      });
    }
    var layer = el("g", { "class": "nodes" }, viewport);
    nodes.forEach(function (d) { drawNode(layer, d); });
  }

  function curve(a, b) {
    var x1 = a.x, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    var bend = Math.max(40, Math.abs(x2 - x1) / 4);
    return "M" + x1 + "," + y1 + "C" + x1 + "," + (y1 - bend) + " " + x2 + "," + (y2 - bend) + " " + x2 + "," + y2;
  }

  function drawNode(layer, d) {
    var p = people[d.data.id];
    var c = colour(p);
    if (p.status === "left") { c = { fill: "#d9d9d9", text: "#555555" }; }
    var classes = "node" + (matches.has(p.id) ? " match" : "") + (selected === p.id ? " selected" : "") +
                  (p.status === "left" ? " left" : "") + (p.status === "placeholder" ? " placeholder" : "");
    var g = el("g", { "class": classes, transform: "translate(" + (d.x - W / 2) + "," + d.y + ")", "data-id": p.id,
                      tabindex: "0", role: "button" }, layer);
    el("rect", { width: W, height: H, fill: c.fill }, g);
    // the accessible name: the whole name and title (the box shows them cut), and the status
    var title = el("title", {}, g);
    title.textContent = p.name + (p.title ? " — " + p.title : "") + (p.status !== "active" ? " (" + p.status.replace(/_/g, " ") + ")" : "");
    text(g, { x: 10, y: 20, fill: c.text, "class": "name" }, cut(p.name, 26));
    text(g, { x: 10, y: 38, fill: c.text }, cut(p.title, 30));
    if (p.status !== "active") { text(g, { x: W - 8, y: H - 5, fill: c.text, "text-anchor": "end", "font-size": "9", "font-style": "italic" }, p.status.replace(/_/g, " ")); }
    if (children[p.id]) {
      var isCollapsed = collapsed.has(p.id);
      var t = el("g", { "class": "toggle", transform: "translate(" + (W / 2) + "," + (H + 10) + ")", "data-toggle": p.id }, g);
      var label = isCollapsed ? "+" + size(p.id) : "−";
      el("circle", { r: isCollapsed ? Math.max(12, 4 + 3.4 * label.length) : 9 }, t);
      text(t, { y: 4 }, label);
    }
    g.addEventListener("click", function (event) {
      event.stopPropagation();
      if (event.target.closest && event.target.closest("[data-toggle]")) { toggle(p.id); } else { select(p.id); }
    });
    g.addEventListener("keydown", function (event) { if (event.key === "Enter") { select(p.id); } });
  }

  function toggle(id) { if (collapsed.has(id)) { collapsed.delete(id); } else { collapsed.add(id); } render(); }

  function select(id) {
    selected = id;
    render();
    showCard(people[id]);
  }

  function row(dl, label, value) {
    if (value === null || value === undefined || value === "" || (value.length === 0)) { return; }
    var dt = document.createElement("dt"); dt.textContent = label; dl.appendChild(dt);
    var dd = document.createElement("dd"); dd.textContent = value; dl.appendChild(dd);
  }

  function showCard(p) {
    while (card.firstChild) { card.removeChild(card.firstChild); }
    var h = document.createElement("h3"); h.textContent = p.name; card.appendChild(h);
    var sub = document.createElement("div"); sub.className = "muted"; sub.textContent = [p.title, p.unit].filter(Boolean).join(" · "); card.appendChild(sub);
    var dl = document.createElement("dl"); card.appendChild(dl);
    row(dl, "Roles", (p.roles || []).map(function (r) { return r.replace(/_/g, " "); }).join(", "));
    row(dl, "Attitude", p.attitude);
    row(dl, "Influence", p.influence);
    row(dl, "Status", p.status.replace(/_/g, " "));
    row(dl, "Reports to", p.reports_to && people[p.reports_to] ? people[p.reports_to].name : "");
    row(dl, "Known by", (p.known_by || []).map(function (k) { return k.name + " (" + k.strength + (k.last_contact ? ", " + k.last_contact : "") + ")"; }).join("; ") || "nobody of our team");
    if (p.contact) { row(dl, "E-mail", p.contact.email); row(dl, "Phone", p.contact.phone); }
    row(dl, "Notes", p.notes);
    row(dl, "Tags", (p.tags || []).join(", "));
    if (children[p.id]) {
      var focus = document.createElement("button"); focus.type = "button"; focus.textContent = "Focus on this subtree";
      focus.addEventListener("click", function () { focusRoot = p.id; collapsed.delete(p.id); document.getElementById("show-all").hidden = false; render(); fit(); });
      card.appendChild(focus);
    }
    var close = document.createElement("button"); close.type = "button"; close.textContent = "Close";
    close.addEventListener("click", function () { card.hidden = true; selected = null; render(); });
    card.appendChild(close);
    card.hidden = false;
  }

  function apply() { viewport.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")"); }
  function fit() {
    var layer = viewport.querySelector(".nodes");  // the people, not the arcs of far-reaching ties above them
    var box = (layer || viewport).getBBox();
    var wPx = svg.clientWidth || 800, hPx = svg.clientHeight || 500;
    if (!box.width || !box.height) { return; }
    view.k = Math.min(1.2, (wPx - 40) / box.width, (hPx - 40) / box.height);
    if (view.k < 0.3) {  // too wide to read whole: show the top of the tree, readable, and let people pan
      var top = positions[focusRoot || tops[0]] || { x: box.x + box.width / 2, y: box.y };
      view.k = 0.3;
      view.x = wPx / 2 - top.x * view.k;
      view.y = 20 - box.y * view.k;
    } else {
      view.x = (wPx - box.width * view.k) / 2 - box.x * view.k;
      view.y = 20 - box.y * view.k;
    }
    apply();
  }
  function centerOn(id) {
    var d = positions[id];
    if (!d) { return; }
    view.k = Math.max(view.k, 0.8);
    view.x = (svg.clientWidth || 800) / 2 - d.x * view.k;
    view.y = (svg.clientHeight || 500) / 3 - d.y * view.k;
    apply();
  }
  function zoom(factor, cx, cy) {
    var k = Math.min(4, Math.max(0.03, view.k * factor));
    cx = cx === undefined ? (svg.clientWidth || 800) / 2 : cx; cy = cy === undefined ? (svg.clientHeight || 500) / 2 : cy;
    view.x = cx - (cx - view.x) * (k / view.k); view.y = cy - (cy - view.y) * (k / view.k); view.k = k;
    apply();
  }

  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    var r = svg.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - r.left, event.clientY - r.top);
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (event) {
    if (event.target.closest && event.target.closest(".node")) { return; }
    drag = { x: event.clientX - view.x, y: event.clientY - view.y };
    svg.classList.add("dragging");
  });
  window.addEventListener("pointermove", function (event) { if (drag) { view.x = event.clientX - drag.x; view.y = event.clientY - drag.y; apply(); } });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("dragging"); });

  var timer = null;
  document.getElementById("search").addEventListener("input", function (event) {
    clearTimeout(timer);
    var query = event.target.value.trim().toLowerCase();
    timer = setTimeout(function () { search(query); }, 120);
  });
  function search(query) {
    matches.clear();
    if (query) {
      data.people.forEach(function (p) {
        if ((p.name || "").toLowerCase().indexOf(query) >= 0 || (p.title || "").toLowerCase().indexOf(query) >= 0) { matches.add(p.id); }
      });
      matches.forEach(function (id) {
        var cur = people[id], guard = 0;
        while (cur && cur.reports_to && people[cur.reports_to] && guard++ < data.people.length) { collapsed.delete(cur.reports_to); cur = people[cur.reports_to]; }
        if (focusRoot && !isBelow(id, focusRoot)) { focusRoot = null; document.getElementById("show-all").hidden = true; }
      });
    }
    document.getElementById("search-count").textContent = query ? matches.size + " found" : "";
    render();
    var first = matches.values().next().value;
    if (first) { centerOn(first); }
  }
  function isBelow(id, root) { var cur = people[id], guard = data.people.length; while (cur && guard-- > 0) { if (cur.id === root) { return true; } cur = people[cur.reports_to]; } return false; }

  document.getElementById("color-by").addEventListener("change", function (event) { colorBy = event.target.value; render(); legend(); });
  document.getElementById("show-ties").addEventListener("change", render);
  document.getElementById("show-dotted").addEventListener("change", render);
  document.getElementById("expand-all").addEventListener("click", function () { expandAll(); render(); fit(); });
  document.getElementById("collapse-all").addEventListener("click", function () { note(""); collapseBelow(1); render(); fit(); });

  // "Expand all" opens whole levels while the chart stays under BUDGET people: tens of thousands of
  // boxes would make every pan and zoom slow. Deeper branches open one by one, by search or by focus.
  var BUDGET = 1500;
  function expandAll() {
    var level = focusRoot ? [focusRoot] : tops.slice(), shown = level.length, depth = 0, total = 0;
    var counts = [];
    while (level.length) {
      counts.push(level.length); total += level.length;
      var next = [];
      level.forEach(function (id) { (children[id] || []).forEach(function (c) { next.push(c); }); });
      level = next;
    }
    while (depth + 1 < counts.length && shown + counts[depth + 1] <= BUDGET) { depth++; shown += counts[depth]; }
    if (depth + 1 >= counts.length) { collapsed.clear(); note(""); return; }
    collapseBelow(depth + (focusRoot ? depthOf(focusRoot) : 0));
    if (focusRoot) { collapsed.delete(focusRoot); }
    note("Showing " + shown.toLocaleString("en") + " of " + total.toLocaleString("en") + " people (" + (depth + 1) +
         " levels): search, focus on someone or open a branch to go deeper.");
  }
  function note(message) {
    var box = document.getElementById("chart-note");
    box.textContent = message; box.hidden = !message;
  }
  document.getElementById("show-all").addEventListener("click", function (event) { focusRoot = null; event.target.hidden = true; render(); fit(); });
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.8); });
  document.getElementById("zoom-fit").addEventListener("click", fit);

  function legend() {
    var box = document.getElementById("legend");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var palette = data.palettes[colorBy];
    var used = new Set(data.people.map(colourKey));
    Object.keys(palette).forEach(function (key) {
      if (!used.has(key)) { return; }
      var item = document.createElement("span");
      var sw = document.createElement("span"); sw.className = "swatch"; sw.setAttribute("data-fill", palette[key].fill);
      item.appendChild(sw); item.appendChild(document.createTextNode(palette[key].label));
      box.appendChild(item);
    });
    [["", "reports to"], ["l-dotted", "dotted line"], ["l-influences", "influences"], ["l-conflicts", "conflict"], ["l-allies", "allies"]].forEach(function (entry) {
      var item = document.createElement("span");
      var line = document.createElement("span"); line.className = "line " + entry[0];
      item.appendChild(line); item.appendChild(document.createTextNode(entry[1]));
      box.appendChild(item);
    });
    // colours set through the CSSOM (allowed by the policy, unlike style attributes)
    Array.prototype.forEach.call(box.querySelectorAll("[data-fill]"), function (sw) { sw.style.background = sw.getAttribute("data-fill"); });
  }

  var defs = el("defs", {}, svg);
  var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, defs);
  el("path", { d: "M0,0L10,5L0,10z", fill: "#1f5fbf" }, marker);
  render();
  legend();
  fit();
  window.kamplanChart = { render: render, search: search, select: select, toggle: toggle, person: function (id) { return people[id]; }, people: function () { return data.people; }, state: function () {
    return { visible: Object.keys(positions).length, collapsed: collapsed.size, focus: focusRoot, colorBy: colorBy, matches: Array.from(matches), selected: selected };
  } };
}());
