// What every page of the studio shares: building elements (user text only
// ever becomes text nodes, never markup), the API client with the session
// it keeps in memory, error sentences, and navigation.

// h builds an element. props are properties ("onclick", "value", ...) or,
// for names holding a dash, attributes ("aria-live", "data-x"); children
// are nodes or strings (strings become text nodes, so nothing a user typed
// is ever parsed as HTML).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k.includes("-") || k === "for" || k === "role") el.setAttribute(k, v === true ? "" : String(v));
    else el[k] = v;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// field is a labelled input: the label names it for people and for
// assistive technology alike.
export function field(label, input, hint) {
  const id = input.id || (input.id = "f-" + label.toLowerCase().replace(/[^a-z0-9]+/g, "-") + "-" + (++fieldCount));
  const hintEl = hint ? h("small", { id: id + "-hint", className: "hint" }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { className: "field" }, h("label", { for: id }, label), input, hintEl);
}
let fieldCount = 0;

// status is a polite live region: what it says is read out when it changes.
export function status(className = "status") {
  return h("p", { className, role: "status", "aria-live": "polite" });
}

export function alert() {
  return h("p", { className: "error", role: "alert" });
}

// ---- session: the access token lives here only, never in web storage ----

let access = null;
let me = null;
let refreshing = null;
const listeners = new Set();

export const session = {
  get user() { return me; },
  get signedIn() { return access !== null; },
  onChange(fn) { listeners.add(fn); },
};

function changed() { for (const fn of listeners) fn(me); }

// keep takes a TokenResponse: the refresh token is in the HttpOnly cookie.
export function keep(tokens) {
  access = tokens.access_token;
  me = tokens.user;
  changed();
}

export function setUser(user) { me = user; changed(); }

export function forget() {
  access = null;
  me = null;
  changed();
}

// resume signs in with the session cookie, if the browser holds one (the
// velro_signed_in cookie, which holds no secret, tells).
export function resume() {
  if (!document.cookie.split("; ").includes("velro_signed_in=1")) return Promise.resolve(false);
  if (!refreshing) {
    refreshing = fetch("/api/v1/auth/refresh", {
      method: "POST", headers: { "Content-Type": "application/json", "X-Velro-Session": "cookie" }, body: "{}",
    }).then(async (res) => {
      if (!res.ok) { forget(); return false; }
      keep(await res.json());
      return true;
    }).catch(() => false).finally(() => { refreshing = null; });
  }
  return refreshing;
}

// request calls the API. body may be an object (sent as JSON) or FormData.
// A 401 with a session refreshes once and retries. It resolves to
// { ok, status, data, message } and never rejects: message is a sentence.
export async function request(method, path, body, { retry = true, raw = false, signal } = {}) {
  const headers = { "X-Velro-Session": "cookie" };
  if (access) headers.Authorization = "Bearer " + access;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    return { ok: false, status: 0, data: null, message: "The server cannot be reached. Check your connection and try again." };
  }
  if (res.status === 401 && access && retry) {
    access = null;
    if (await resume()) return request(method, path, body, { retry: false, raw, signal });
    forget();
  }
  if (raw) return { ok: res.ok, status: res.status, res, message: res.ok ? "" : await sentence(res) };
  let data = null;
  if ((res.headers.get("Content-Type") || "").includes("json")) data = await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, data, message: res.ok ? "" : sentenceOf(res, data) };
}

async function sentence(res) {
  return sentenceOf(res, await res.json().catch(() => null));
}

// sentenceOf says what went wrong as a person would want to hear it.
function sentenceOf(res, data) {
  const code = data && data.error;
  const detail = (data && data.detail) || "";
  const fields = data && Array.isArray(data.errors) && data.errors.length
    ? " " + data.errors.map((e) => e.message).join(" ") : "";
  switch (true) {
    case code === "insufficient_credits":
      return "You do not have enough credits for this. Nothing was charged. See Credits for your balance.";
    case code === "provider_unavailable":
      return "This model's provider is not set up on this server, so it cannot run now. Nothing was charged; try a built-in model.";
    case res.status === 429: {
      const wait = Number(res.headers.get("Retry-After"));
      return "Too many attempts just now. " + (wait > 0 ? `Try again in ${wait} second${wait === 1 ? "" : "s"}.` : "Try again in a moment.");
    }
    case res.status === 503:
      return "The server is busy or a service it needs is down. Try again in a moment.";
    case res.status >= 500:
      return "Something went wrong on the server. Try again; if it keeps happening, tell the operator (request " + ((data && data.request_id) || "unknown") + ").";
    case res.status === 401 && !access:
      return detail || "Please sign in again.";
    default:
      return (detail || `The request failed (${res.status}).`) + (fields && !detail.includes(fields.trim()) ? fields : "");
  }
}

// ---- navigation ----

let router = null;
export function setRouter(fn) { router = fn; }

// go shows the page of a path without reloading.
export function go(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  router();
}

// link is an in-app link.
export function link(href, ...children) {
  return h("a", { href }, ...children);
}

// page builds a page: its one h1 and its content; it names the tab too.
export function page(title, ...children) {
  document.title = title + " · Velro Studio";
  return [h("h1", {}, title), ...children];
}

export function formatDate(s) {
  if (!s) return "";
  return new Date(s).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function credits(n) {
  return `${Number(n).toLocaleString()} credit${n === 1 ? "" : "s"}`;
}

// submitting disables a form's button while its request runs.
export async function submitting(form, fn) {
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    if (button) button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

// pager is Previous/Next for an offset-paged list.
export function pager(total, limit, offset, goTo) {
  if (total <= limit) return null;
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.ceil(total / limit);
  return h("nav", { className: "pager", "aria-label": "Pages" },
    h("button", { type: "button", disabled: offset === 0, onclick: () => goTo(Math.max(0, offset - limit)) }, "Previous"),
    h("span", {}, `Page ${page} of ${pages}`),
    h("button", { type: "button", disabled: offset + limit >= total, onclick: () => goTo(offset + limit) }, "Next"));
}
