// Velro's performance dashboard: signs an admin in, then draws
// GET /api/v1/monitoring/performance every few seconds. Everything it loads
// comes from this server. The access token lives in this page's memory
// only; the refresh token is in Velro's HttpOnly session cookie (the
// X-Velro-Session header asks for it), so a reload signs in again by
// refreshing, and no token is ever in web storage.
"use strict";

const REFRESH_MS = 5000;
const SVG_NS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

let session = null;
let timer = null;
const charts = {};

function show(view) {
  $("login-form").hidden = view !== "login";
  $("dashboard").hidden = view !== "dashboard";
  $("controls").hidden = view !== "dashboard";
}

function keep(tokens) {
  session = { access: tokens.access_token };
}

function postJSON(path, body, headers = {}) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Velro-Session": "cookie", ...headers },
    body: JSON.stringify(body),
  });
}

// resume refreshes with the session cookie, if the browser has one (the
// velro_signed_in cookie, which holds no secret, says so).
async function resume() {
  if (!document.cookie.split("; ").includes("velro_signed_in=1")) return false;
  const res = await postJSON("/api/v1/auth/refresh", {});
  if (!res.ok) return false;
  keep(await res.json());
  return true;
}

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const res = await postJSON("/api/v1/auth/login", { email: $("email").value, password: $("password").value });
    const body = await res.json();
    if (!res.ok) {
      $("login-error").textContent = body.detail || `Sign-in failed (${res.status}).`;
      return;
    }
    keep(body);
    start();
  } catch (err) {
    $("login-error").textContent = `The server cannot be reached (${err.message}).`;
  }
}

// signOut forgets the session, ending it on the server too unless it has
// ended already.
function signOut(message = "", ended = false) {
  clearInterval(timer);
  if (session && !ended) {
    postJSON("/api/v1/auth/logout", {}, { Authorization: `Bearer ${session.access}` }).catch(() => {});
  }
  session = null;
  show("login");
  $("login-error").textContent = message;
}

// authorized GETs path, refreshing the access token once if it expired.
async function authorized(path) {
  const get = () => fetch(path, { headers: { Authorization: `Bearer ${session.access}` } });
  let res = await get();
  if (res.status === 401) {
    if (!(await resume())) return res;
    res = await get();
  }
  return res;
}

async function update() {
  try {
    const res = await authorized(`/api/v1/monitoring/performance?window=${encodeURIComponent($("window").value)}`);
    if (res.status === 401) return signOut("Your session ended; sign in again.", true);
    if (res.status === 403) return signOut("This account is not an admin.");
    if (!res.ok) {
      $("report-error").textContent = `The report failed (${res.status}).`;
      return;
    }
    $("report-error").textContent = "";
    draw(await res.json());
  } catch (err) {
    $("report-error").textContent = `The server cannot be reached (${err.message}).`;
  }
}

function start() {
  show("dashboard");
  update();
  clearInterval(timer);
  timer = setInterval(update, REFRESH_MS);
}

// drawCompliance says how the server stands against its targets, judging
// only what had enough samples in the window.
function drawCompliance(report) {
  const badge = $("compliance");
  const statuses = [...Object.values(report.operations).map((op) => op.status), report.cache.status];
  const judged = statuses.filter((s) => s !== "no_data").length;
  if (judged === 0) {
    badge.textContent = "targets: not enough samples yet";
    badge.className = "badge no_data";
  } else {
    badge.textContent = `targets: ${report.prd_compliance} (${judged} of ${statuses.length} judged)`;
    badge.className = `badge ${report.prd_compliance}`;
  }
  $("min-samples").textContent = report.min_samples;
}

function draw(report) {
  drawCompliance(report);
  $("updated").textContent = `updated ${new Date(report.generated_at).toLocaleTimeString()}`;
  drawOperations(report.operations);
  drawTable(report.operations, report.min_samples);
  drawCache(report.cache);
  drawTimeline(report.timeline);
}

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

const ms = (v) => (v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2));

// Percentile bars on a log scale of the target: from 1/10,000 of it to
// ten times it, the target being the dashed line.
const DECADES_BELOW = 4, DECADES_ABOVE = 1;
const PLOT_X = 170, PLOT_W = 560, ROW_H = 34;

function ratioX(ratio) {
  const decades = Math.log10(Math.max(ratio, 10 ** -DECADES_BELOW));
  const clamped = Math.min(decades, DECADES_ABOVE);
  return PLOT_X + ((clamped + DECADES_BELOW) / (DECADES_BELOW + DECADES_ABOVE)) * PLOT_W;
}

function drawOperations(operations) {
  const svg = $("operations");
  const names = Object.keys(operations);
  const height = names.length * ROW_H + 30;
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 900 ${height}`);
  for (let d = -DECADES_BELOW; d <= DECADES_ABOVE; d++) {
    const x = ratioX(10 ** d);
    svg.append(el("line", { x1: x, x2: x, y1: 0, y2: height - 20, class: d === 0 ? "target" : "axis" }));
    const label = d === 0 ? "target" : d < 0 ? `1/${10 ** -d}` : `${10 ** d}×`;
    svg.append(el("text", { x, y: height - 5, "text-anchor": "middle" }, label));
  }
  names.forEach((name, i) => {
    const op = operations[name];
    const y = i * ROW_H;
    svg.append(el("text", { x: 0, y: y + 20 }, name));
    if (op.count === 0) {
      svg.append(el("text", { x: PLOT_X + 4, y: y + 20, class: "muted" }, "no data"));
      return;
    }
    [["p50", op.median_ms], ["p95", op.p95_ms], ["p99", op.p99_ms]].forEach(([label, value], j) => {
      const width = Math.max(ratioX(value / op.target_ms) - PLOT_X, 2);
      const bar = el("rect", { x: PLOT_X, y: y + 4 + j * 9, width, height: 7, class: value <= op.target_ms ? "pass" : "fail" });
      bar.append(el("title", {}, `${name} ${label}: ${ms(value)} ms (target ${op.target_ms} ms)`));
      svg.append(bar);
    });
    svg.append(el("text", { x: PLOT_X + PLOT_W + 10, y: y + 20 }, `p99 ${ms(op.p99_ms)} / ${op.target_ms} ms`));
  });
}

function drawTable(operations, minSamples) {
  const rows = Object.entries(operations).map(([name, op]) => {
    const tr = document.createElement("tr");
    const status = op.status === "no_data" ? `not enough samples (${op.count} of ${minSamples})` : op.status;
    const cells = [name, op.count, ms(op.median_ms), ms(op.p95_ms), ms(op.p99_ms), ms(op.max_ms), op.target_ms, op.violations, status];
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.textContent = value;
      if (i === cells.length - 1) td.className = op.status;
      tr.append(td);
    });
    return tr;
  });
  document.querySelector("#operations-table tbody").replaceChildren(...rows);
}

function drawCache(cache) {
  const svg = $("cache");
  const layers = [["L1 (in process)", cache.l1], ["L2 (Redis)", cache.l2], ["L3 (database table)", cache.l3], ["overall", cache.overall]];
  const height = layers.length * ROW_H + 20;
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 900 ${height}`);
  const targetX = PLOT_X + cache.target * PLOT_W;
  layers.forEach(([name, layer], i) => {
    const y = i * ROW_H;
    const total = layer.hits + layer.misses;
    svg.append(el("text", { x: 0, y: y + 20 }, name));
    svg.append(el("rect", { x: PLOT_X, y: y + 6, width: PLOT_W, height: 18, class: "none" }));
    if (total === 0) {
      svg.append(el("text", { x: PLOT_X + 4, y: y + 20, class: "muted" }, "no data"));
      return;
    }
    const pass = name !== "overall" || layer.hit_rate >= cache.target;
    svg.append(el("rect", { x: PLOT_X, y: y + 6, width: Math.max(layer.hit_rate * PLOT_W, 2), height: 18, class: pass ? "pass" : "fail" }));
    svg.append(el("text", { x: PLOT_X + PLOT_W + 10, y: y + 20 }, `${(layer.hit_rate * 100).toFixed(1)} % of ${total}`));
  });
  svg.append(el("line", { x1: targetX, x2: targetX, y1: 0, y2: height - 15, class: "target" }));
  svg.append(el("text", { x: targetX, y: height - 2, "text-anchor": "middle" }, `target ${cache.target * 100} %`));
}

function drawTimeline(timeline) {
  const xs = timeline.map((p) => Date.parse(p.start) / 1000);
  const perSecond = (key) => timeline.map((p) => (p.seconds > 0 ? p[key] / p.seconds : 0));
  plot("rate-chart", [xs, perSecond("requests")], [{ label: "requests/s", stroke: "#0969da", fill: "rgba(9,105,218,0.12)" }]);
  plot("error-chart", [xs, perSecond("client_errors"), perSecond("server_errors")],
    [{ label: "4xx/s", stroke: "#bf8700" }, { label: "5xx/s", stroke: "#cf222e" }]);
}

// plot draws a time series with uPlot, creating the chart on first use.
function plot(id, data, series) {
  const box = $(id);
  if (!charts[id]) {
    charts[id] = new uPlot({
      width: box.clientWidth || 500,
      height: 220,
      scales: { x: { time: true } },
      series: [{}, ...series.map((s) => ({ width: 2, points: { show: true, size: 4 }, ...s }))],
      axes: [{}, { size: 60 }],
    }, data, box);
    return;
  }
  charts[id].setData(data);
}

window.addEventListener("resize", () => {
  for (const [id, chart] of Object.entries(charts)) chart.setSize({ width: $(id).clientWidth, height: 220 });
});

document.addEventListener("DOMContentLoaded", async () => {
  $("login-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut());
  $("window").addEventListener("change", update);
  if (await resume().catch(() => false)) start();
  else show("login");
});
