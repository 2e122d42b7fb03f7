// /admin, for admins: accounts (search, role, disable, grant credits), the
// audit log with its filters, generations in flight and failed, and the
// performance dashboard. Each part is a section of its own; features add
// theirs (backups, payments) to sections.
import { h, field, page, alert, status, request, session, pager, formatDate, submitting } from "../lib.js";

const LIMIT = 25;

export async function admin() {
  if (session.user.role !== "admin") {
    return page("Admin", h("p", { role: "alert" }, "This page is for admins. Ask one to give your account the admin role."));
  }
  const sections = [users(), generations(), audit(), h("div", {}, h("h2", {}, "Performance"),
    h("p", {}, "Latencies against their targets, cache hit rates, requests and errors: ", h("a", { href: "/dashboard" }, "open the performance dashboard"), "."))];
  return page("Admin", ...sections.map((s) => h("section", { className: "card" }, s)));
}

// listing is a section whose table reloads with its filters and pages.
function listing(title, filters, load, row, headers) {
  const body = h("div");
  const form = h("form", { className: "filters", role: "search", "aria-label": title }, filters, h("button", { type: "submit" }, "Search"));
  async function show(offset = 0) {
    const params = new URLSearchParams({ limit: LIMIT, offset });
    for (const el of form.elements) if (el.name && el.value) params.set(el.name, el.type === "datetime-local" ? new Date(el.value).toISOString() : el.value);
    const r = await load(params);
    if (!r.ok) return void body.replaceChildren(h("p", { role: "alert" }, r.message));
    const [items, total] = r.items;
    body.replaceChildren(...[items.length ? h("div", { className: "table" }, h("table", {}, h("thead", {}, h("tr", {}, headers.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, items.map((it) => row(it, () => show(offset)))))) : h("p", { className: "muted" }, "Nothing matches."),
    pager(total, LIMIT, offset, show)].filter(Boolean));
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); show(0); });
  show(0);
  return [h("h2", {}, title), form, body];
}

function users() {
  const fail = alert();
  const said = status();
  const grant = h("form", { className: "filters" }, field("Account email", h("input", { type: "email", name: "email", required: true })),
    field("Credits", h("input", { type: "number", name: "amount", min: 1, required: true })),
    field("Reason", h("input", { type: "text", name: "description", maxLength: 500 })), h("button", { type: "submit" }, "Grant credits"));
  grant.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(grant, async () => {
      const f = grant.elements;
      const r = await request("POST", "/api/v1/admin/credits/grant", { email: f.email.value, amount: Number(f.amount.value), description: f.description.value || undefined });
      fail.textContent = r.ok ? "" : r.message;
      said.textContent = r.ok ? `Granted ${f.amount.value} credits to ${f.email.value}.` : "";
      if (r.ok) grant.reset();
    });
  });
  const control = (u, body, done) => async () => {
    const r = await request("PATCH", "/api/v1/admin/users/" + u.id, body);
    fail.textContent = r.ok ? "" : r.message;
    if (r.ok) done();
  };
  return [...listing("Accounts", [field("Search accounts", h("input", { type: "search", name: "query", placeholder: "email or name" }))],
    async (p) => { const r = await request("GET", "/api/v1/admin/users?" + p); return { ...r, items: r.ok ? [r.data.users, r.data.total] : null }; },
    (u, reload) => h("tr", {}, h("td", {}, u.email, u.full_name ? h("div", { className: "muted" }, u.full_name) : null),
      h("td", {}, u.role + (u.disabled ? " · disabled" : "") + (u.email_verified ? "" : " · unverified")),
      h("td", { className: "num" }, u.credits_balance),
      h("td", { className: "actions" },
        u.id === session.user.id ? h("span", { className: "muted" }, "you") : [
          h("button", { type: "button", className: "quiet", onclick: control(u, { role: u.granted_role === "admin" ? "user" : "admin" }, reload) },
            u.granted_role === "admin" ? "Make user" : "Make admin"),
          h("button", { type: "button", className: "quiet", onclick: control(u, { disabled: !u.disabled }, reload) }, u.disabled ? "Enable" : "Disable")])),
    ["Account", "Role", "Credits", "Actions"]), fail, said, h("h3", {}, "Grant credits"), grant];
}

function generations() {
  const which = h("select", { name: "status" }, h("option", { value: "" }, "In flight and failed"),
    ["pending", "processing", "failed"].map((s) => h("option", { value: s }, s)));
  return listing("Generations", [field("Status", which), field("Since", h("input", { type: "datetime-local", name: "since" }))],
    async (p) => { const r = await request("GET", "/api/v1/admin/generations?" + p); return { ...r, items: r.ok ? [r.data.generations, r.data.total] : null }; },
    (g) => h("tr", {}, h("td", {}, formatDate(g.created_at)), h("td", {}, g.status), h("td", {}, g.model_id),
      h("td", {}, id(g.user_id)), h("td", {}, g.error_message || "")),
    ["Created", "Status", "Model", "User", "Error"]);
}

function audit() {
  return listing("Audit log", [field("Action", h("input", { type: "text", name: "action", placeholder: "e.g. auth.login" })),
    field("Actor id", h("input", { type: "text", name: "actor_id" })), field("Target id", h("input", { type: "text", name: "target_id" })),
    field("Since", h("input", { type: "datetime-local", name: "since" })), field("Until", h("input", { type: "datetime-local", name: "until" }))],
  async (p) => { const r = await request("GET", "/api/v1/admin/audit?" + p); return { ...r, items: r.ok ? [r.data.events, r.data.total] : null }; },
  (e) => h("tr", {}, h("td", {}, formatDate(e.created_at)), h("td", {}, e.action), h("td", {}, id(e.actor_id)),
    h("td", {}, e.target_type ? `${e.target_type} ` : "", id(e.target_id)), h("td", {}, e.ip || ""),
    h("td", {}, Object.keys(e.details || {}).length ? JSON.stringify(e.details) : "")),
  ["When", "Action", "Actor", "Target", "IP", "Details"]);
}

// id shows the start of an id; the whole is its title, and copies whole.
function id(value) {
  return value ? h("code", { title: value }, value.slice(0, 8)) : "";
}
