// sumnet dashboard: receives network views from /events (Server-Sent Events) and draws them.
// Hand-written, no dependencies. Elements are keyed and updated in place, so the picture does not flicker.
// Where the source allows it (view.controls), a click on a node or a link opens its actions, posted to /actions.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const SCALE = 1000;
/**
 * At most this many links show moving traffic at once (the busiest), since each moving dot costs frames; `?dots=N`
 * in the page's address changes it (`?dots=0`: no moving traffic, for a slow machine).
 */
const MAX_DOTS = (() => {
  const asked = Number(new URLSearchParams(location.search).get("dots") ?? "40");
  return Number.isInteger(asked) && asked >= 0 ? asked : 40;
})();
const $ = (id) => document.getElementById(id);

const drawn = { nodes: new Map(), edges: new Map(), labels: new Map(), hits: new Map(), dots: new Map() };
let lastViewAt = 0;
/** The latest view, and what is selected: { type: "node", key } or { type: "link", key }. */
let current = null;
let selected = null;

function el(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function set(node, attributes) {
  for (const [k, v] of Object.entries(attributes)) {
    const value = String(v);
    if (node.getAttribute(k) !== value) node.setAttribute(k, value);
  }
}

function text(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

/** Totals may have up to 1000 digits: keep the ends, say how long it is. */
function shortTotal(total, withDigits = true) {
  if (total === null || total === undefined) return "?";
  const digits = total.replace("-", "").length;
  if (total.length <= 16) return total;
  const short = `${total.slice(0, total.startsWith("-") ? 7 : 6)}…${total.slice(-4)}`;
  return withDigits ? `${short} (${digits} digits)` : short;
}

function sizes(n) {
  if (n <= 10) return { r: 36, idFont: 26, totalFont: 26, inside: true, showTotal: true, edge: 1.6 };
  if (n <= 30) return { r: 22, idFont: 16, totalFont: 17, inside: true, showTotal: true, edge: 1.2 };
  if (n <= 60) return { r: 13, idFont: 14, totalFont: 0, inside: false, showTotal: false, edge: 0.9 };
  return { r: 9, idFont: 12, totalFont: 0, inside: false, showTotal: false, edge: 0.7 };
}

function nodeName(node) {
  return node.id ?? node.url.replace(/^https?:\/\//, "");
}

function describeStatus(node) {
  switch (node.status) {
    case "agree": return "agrees";
    case "lag": return `lags: ${node.missing} missing`;
    case "differs": return "differs";
    default: return "not answering";
  }
}

function drawTopology(view) {
  const s = sizes(view.nodes.length);
  const byKey = new Map(view.nodes.map((n) => [n.key, n]));
  const edgeLayer = $("edges");
  const labelLayer = $("edge-labels");
  const nodeLayer = $("nodes");
  const showEdgeLabels = view.edges.length <= 40;

  // Moving dots cost frames: only the busiest links get one (npm run bench:dashboard measures it).
  const busiest = new Set(
    view.edges.filter((e) => e.state === "up" && (e.fps ?? 0) > 0).sort((x, y) => (y.fps ?? 0) - (x.fps ?? 0) || (x.key < y.key ? -1 : 1)).slice(0, MAX_DOTS).map((e) => e.key),
  );
  const seenEdges = new Set();
  for (const edge of view.edges) {
    const a = byKey.get(edge.a);
    const b = byKey.get(edge.b);
    if (!a || !b) continue;
    seenEdges.add(edge.key);
    let line = drawn.edges.get(edge.key);
    if (!line) {
      line = el("line", { class: "edge" }, edgeLayer);
      el("title", {}, line);
      drawn.edges.set(edge.key, line);
      // A wide transparent twin takes the clicks: the drawn line is a few pixels wide.
      const hit = el("line", { class: "edge-hit" }, $("edge-hits"));
      hit.addEventListener("click", () => select({ type: "link", key: edge.key }));
      drawn.hits.set(edge.key, hit);
    }
    const coordinates = { x1: a.x * SCALE, y1: a.y * SCALE, x2: b.x * SCALE, y2: b.y * SCALE };
    set(drawn.hits.get(edge.key), { ...coordinates, "data-edge": `${nodeName(a)}-${nodeName(b)}`, "data-selected": selected?.type === "link" && selected.key === edge.key ? "yes" : "no" });
    drawTraffic(edge, busiest.has(edge.key), coordinates, s, `${nodeName(a)}-${nodeName(b)}`);
    const fps = edge.fps ?? 0;
    const width = edge.state === "up" ? (2 + Math.min(9, Math.log2(1 + fps) * 1.5)) * s.edge : 3 * s.edge;
    set(line, {
      x1: a.x * SCALE, y1: a.y * SCALE, x2: b.x * SCALE, y2: b.y * SCALE,
      "stroke-width": width.toFixed(1),
      "data-edge": `${nodeName(a)}-${nodeName(b)}`,
      "data-state": edge.state,
      "data-cut": edge.cut ? "yes" : "no",
    });
    const state = edge.state === "up" ? "up" : edge.cut ? "cut" : "down";
    text(line.firstChild, `${nodeName(a)} ↔ ${nodeName(b)}: ${state}${edge.fps === null ? "" : `, ${edge.fps} frames/s`}`);

    let label = drawn.labels.get(edge.key);
    if (showEdgeLabels) {
      if (!label) {
        label = el("text", { class: "edge-label" }, labelLayer);
        drawn.labels.set(edge.key, label);
      }
      // Beside the line, not on it: offset along the normal, always towards the upper side so labels read alike.
      const dx = (b.x - a.x) * SCALE;
      const dy = (b.y - a.y) * SCALE;
      const length = Math.hypot(dx, dy) || 1;
      let nx = -dy / length;
      let ny = dx / length;
      if (ny > 0) {
        nx = -nx;
        ny = -ny;
      }
      const offset = 16 * s.edge;
      // Near-vertical lines: anchor the text at its end or start, so that it sits wholly beside the line.
      const anchor = Math.abs(nx) < 0.7 ? "middle" : nx < 0 ? "end" : "start";
      set(label, { x: ((a.x + b.x) / 2) * SCALE + nx * offset, y: ((a.y + b.y) / 2) * SCALE + ny * offset, "text-anchor": anchor, "data-state": edge.state });
      text(label, edge.state === "up" ? (edge.fps === null ? "" : `${edge.fps} f/s`) : `✂ ${state}`);
    } else if (label) {
      label.remove();
      drawn.labels.delete(edge.key);
    }
  }
  for (const [key, line] of drawn.edges) {
    if (seenEdges.has(key)) continue;
    line.remove();
    drawn.edges.delete(key);
    drawn.hits.get(key)?.remove();
    drawn.hits.delete(key);
    drawn.dots.get(key)?.remove();
    drawn.dots.delete(key);
    drawn.labels.get(key)?.remove();
    drawn.labels.delete(key);
  }

  const seenNodes = new Set();
  for (const node of view.nodes) {
    seenNodes.add(node.key);
    let g = drawn.nodes.get(node.key);
    if (!g) {
      g = el("g", { class: "node" }, nodeLayer);
      const key = node.key;
      g.addEventListener("click", () => select({ type: "node", key }));
      el("title", {}, g);
      el("circle", {}, g);
      el("text", { class: "label-id" }, g);
      el("text", { class: "label-total" }, g);
      drawn.nodes.set(node.key, g);
    }
    const [title, circle, idLabel, totalLabel] = g.children;
    const x = node.x * SCALE;
    const y = node.y * SCALE;
    set(g, { "data-node": nodeName(node), "data-status": node.status, "data-total": node.total ?? "", "data-selected": selected?.type === "node" && selected.key === node.key ? "yes" : "no" });
    set(circle, { cx: x, cy: y, r: s.r });
    if (s.inside) {
      set(idLabel, { x, y, "dominant-baseline": "central", "font-size": s.idFont, class: "label-id inside" });
    } else {
      set(idLabel, { x, y: y + s.r + s.idFont, "dominant-baseline": "auto", "font-size": s.idFont, class: "label-id" });
    }
    text(idLabel, nodeName(node));
    set(totalLabel, { x, y: y + s.r + s.totalFont + 4, "font-size": s.totalFont });
    const total = node.total === null ? "—" : `Σ ${shortTotal(node.total, false)}`;
    text(totalLabel, s.showTotal ? (node.reachable || node.total === null ? total : `${total} (stale)`) : "");
    const links = node.linksTotal === null ? "links unknown (no /state)" : `links up ${node.linksUp}/${node.linksTotal}`;
    text(title, `${nodeName(node)} (${node.url})\ntotal ${node.total ?? "?"}, ${node.count ?? "?"} numbers\n${links}\n${describeStatus(node)}${node.note ? `\n${node.note}` : ""}`);
  }
  for (const [key, g] of drawn.nodes) {
    if (seenNodes.has(key)) continue;
    g.remove();
    drawn.nodes.delete(key);
  }
}

function cell(row, value, className, title) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (value instanceof Node) td.appendChild(value);
  else td.textContent = value;
  if (title) td.title = title;
  row.appendChild(td);
  return td;
}

function badge(kind, label) {
  const span = document.createElement("span");
  span.className = `badge ${kind}`;
  span.textContent = label;
  return span;
}

function drawTables(view) {
  const byKey = new Map(view.nodes.map((n) => [n.key, n]));
  const rows = view.nodes.map((node) => {
    const row = document.createElement("tr");
    row.dataset.node = nodeName(node);
    row.dataset.status = node.status;
    cell(row, nodeName(node), "", node.url);
    cell(row, shortTotal(node.total), "num total", node.total ?? "");
    cell(row, node.count === null ? "?" : String(node.count), "num");
    cell(row, node.linksTotal === null ? "–" : `${node.linksUp}/${node.linksTotal}`, "num");
    cell(row, badge(node.status, describeStatus(node)), "", node.note ?? "");
    return row;
  });
  $("node-table").tBodies[0].replaceChildren(...rows);

  const edges = [...view.edges].sort((x, y) => (x.state === y.state ? (y.fps ?? 0) - (x.fps ?? 0) : x.state === "down" ? -1 : 1));
  const linkRows = edges.map((edge) => {
    const row = document.createElement("tr");
    const a = byKey.get(edge.a);
    const b = byKey.get(edge.b);
    cell(row, `${a ? nodeName(a) : "?"} ↔ ${b ? nodeName(b) : "?"}`);
    cell(row, badge(edge.state, edge.state === "up" ? "up" : edge.cut ? "cut" : "down"));
    cell(row, edge.fps === null ? "–" : String(edge.fps), "num");
    return row;
  });
  $("link-table").tBodies[0].replaceChildren(...linkRows);
  const down = view.edges.filter((e) => e.state === "down").length;
  $("link-summary").textContent = `(${view.edges.length - down} up, ${down} down)`;
}

function drawHeader(view) {
  document.title = `sumnet · ${view.title}`;
  text($("title"), view.title);
  const step = $("step");
  step.hidden = !view.step;
  if (view.step) text(step, `step ${view.step.index + 1} of ${view.step.count}: ${view.step.label}`);
  const a = view.agreement;
  const box = $("agreement");
  let message;
  if (a.reachable === 0) {
    box.dataset.agree = "none";
    message = a.nodes === 0 ? "no nodes to watch" : `none of ${a.nodes} nodes answers`;
  } else if (a.sides > 1) {
    box.dataset.agree = a.sidesAgree ? "yes" : "no";
    const within = view.nodes.filter((n) => n.status === "agree").length;
    message = `partitioned into ${a.sides} sides · ${a.sidesAgree ? "each side agrees within itself" : `${within} of ${a.nodes} nodes agree with their side`}`;
  } else if (a.agree) {
    box.dataset.agree = "yes";
    const note = a.reachable < a.nodes ? ` (${a.nodes - a.reachable} stopped)` : "";
    message = `all ${a.reachable} nodes agree${note} · total ${shortTotal(a.total)} · ${a.count} number${a.count === 1 ? "" : "s"}`;
  } else {
    box.dataset.agree = "no";
    const lagging = view.nodes.filter((n) => n.status === "lag").length;
    const silent = a.nodes - a.reachable;
    const parts = [`${a.agreeing} of ${a.nodes} nodes agree on total ${shortTotal(a.total)} (${a.count} numbers)`];
    if (lagging) parts.push(`${lagging} lagging`);
    if (silent) parts.push(`${silent} not answering`);
    message = parts.join(" · ");
  }
  text(box, message);
  box.title = a.total ?? "";
  const error = $("source-error");
  error.hidden = !view.sourceError;
  if (view.sourceError) text(error, view.sourceError);
  text($("updated"), `updated ${new Date(view.at).toLocaleTimeString()}`);
}

/**
 * Traffic as it flows: a dot goes to and fro along each of the busiest links that carry frames, quicker and bigger
 * with more frames per second. One SVG animation per link, changed only when its rate changes.
 */
function drawTraffic(edge, shown, c, s, name) {
  const fps = shown ? edge.fps ?? 0 : 0;
  let dot = drawn.dots.get(edge.key);
  if (fps <= 0) {
    dot?.remove();
    drawn.dots.delete(edge.key);
    return;
  }
  if (!dot) {
    dot = el("circle", { class: "traffic", cx: 0, cy: 0 }, $("traffic"));
    el("animateMotion", { repeatCount: "indefinite", keyPoints: "0;1;0", keyTimes: "0;0.5;1", calcMode: "linear" }, dot);
    drawn.dots.set(edge.key, dot);
  }
  const level = Math.min(6, Math.round(Math.log2(1 + fps)));
  set(dot, { r: ((3 + level) * s.edge).toFixed(1), "data-edge": name, "data-level": String(level) });
  set(dot.firstChild, { path: `M${c.x1},${c.y1} L${c.x2},${c.y2}`, dur: `${(4 - level * 0.5).toFixed(1)}s` });
}

function select(target) {
  if (!current?.controls) return;
  selected = target;
  render(current);
}

function allows(kind) {
  return Boolean(current?.controls?.actions.includes(kind));
}

function actionButton(label, action, danger) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.dataset.action = action.kind;
  if (danger) button.className = "danger";
  button.addEventListener("click", () => void act(action));
  return button;
}

/** What may be done to the selected node or link, as it stands now. */
function drawPanel(view) {
  const panel = $("action-panel");
  const byKey = new Map(view.nodes.map((n) => [n.key, n]));
  const node = selected?.type === "node" ? byKey.get(selected.key) : undefined;
  const edge = selected?.type === "link" ? view.edges.find((e) => e.key === selected.key) : undefined;
  if (!view.controls || (!node && !edge)) {
    panel.hidden = true;
    if (selected && view.controls) selected = null; // it left the network
    return;
  }
  panel.hidden = false;
  const buttons = [];
  const form = $("add-form");
  if (node) {
    const id = node.id ?? nodeName(node);
    text($("action-target"), `node ${id}`);
    panel.dataset.target = id;
    const life = node.life ?? "running";
    form.hidden = !(allows("inject") && life === "running" && node.id);
    const offer = (kind, label, danger) => allows(kind) && buttons.push(actionButton(label, { kind, node: id }, danger));
    if (life === "running") {
      offer("stop", "stop");
      offer("restart", "restart");
      offer("pause", "pause");
      offer("kill", "kill", true);
    } else if (life === "paused") {
      offer("resume", "resume");
      offer("stop", "stop");
      offer("kill", "kill", true);
    } else {
      offer("start", "start");
    }
  } else {
    const a = byKey.get(edge.a);
    const b = byKey.get(edge.b);
    const ends = [a?.id ?? edge.a, b?.id ?? edge.b];
    text($("action-target"), `link ${ends[0]} ↔ ${ends[1]}`);
    panel.dataset.target = `${ends[0]}-${ends[1]}`;
    form.hidden = true;
    const kind = edge.cut ? "restore" : "cut";
    if (allows(kind)) buttons.push(actionButton(kind, { kind, a: ends[0], b: ends[1] }, kind === "cut"));
  }
  $("action-buttons").replaceChildren(...buttons);
}

function drawControls(view) {
  const controls = view.controls;
  document.body.classList.toggle("drivable", Boolean(controls));
  $("action-hint").hidden = !controls || selected !== null || !controls.actions.includes("kill");
  const bar = $("run-controls");
  bar.hidden = !controls || !controls.actions.includes("hold");
  if (controls) {
    const hold = $("hold");
    hold.dataset.held = controls.held ? "yes" : "no";
    text(hold, controls.held ? "go on" : "hold");
    hold.title = controls.held ? "let the scenario go on with its next step" : "hold the scenario before its next step (the network stays up; act on it meanwhile)";
    $("save-session").hidden = !controls.session;
  }
  drawPanel(view);
}

async function act(action) {
  const status = $("action-status");
  status.hidden = false;
  status.dataset.state = "pending";
  text(status, `${action.kind}…`);
  let outcome;
  try {
    const response = await fetch("/actions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(action) });
    const body = await response.json();
    outcome = { ok: response.ok && body.ok === true, message: body.message ?? body.error ?? `HTTP ${response.status}` };
  } catch (error) {
    outcome = { ok: false, message: `the dashboard did not answer: ${error.message}` };
  }
  status.dataset.state = outcome.ok ? "ok" : "failed";
  text(status, outcome.ok ? `done: ${outcome.message}` : outcome.message);
  return outcome;
}

function render(view) {
  current = view;
  lastViewAt = Date.now();
  drawHeader(view);
  drawTopology(view);
  drawTables(view);
  drawControls(view);
  document.body.dataset.updated = view.at;
}

function wireControls() {
  $("close-panel").addEventListener("click", () => {
    selected = null;
    if (current) render(current);
  });
  $("add-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("add-value");
    const value = input.value.trim();
    const node = $("action-panel").dataset.target;
    if (!/^-?\d{1,1000}$/.test(value)) {
      const status = $("action-status");
      status.hidden = false;
      status.dataset.state = "failed";
      text(status, `"${value}" is not an integer`);
      return;
    }
    void act({ kind: "inject", node, values: [value] }).then((outcome) => {
      if (outcome.ok) input.value = "";
    });
  });
  $("hold").addEventListener("click", () => void act({ kind: $("hold").dataset.held === "yes" ? "go" : "hold" }));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && selected) {
      selected = null;
      if (current) render(current);
    }
  });
}

function connect() {
  const status = $("connection");
  const events = new EventSource("/events");
  events.addEventListener("open", () => {
    status.dataset.state = "live";
    status.textContent = "live";
  });
  events.addEventListener("view", (event) => {
    status.dataset.state = "live";
    status.textContent = "live";
    render(JSON.parse(event.data));
  });
  events.addEventListener("error", () => {
    status.dataset.state = "lost";
    status.textContent = "reconnecting…";
  });
  setInterval(() => {
    if (lastViewAt && Date.now() - lastViewAt > 3000 && status.dataset.state === "live") {
      status.dataset.state = "lost";
      status.textContent = "no update for 3 s";
    }
  }, 1000);
}

wireControls();
connect();
