// /gallery (the caller's generations: filters, pages, thumbnails from
// signed URLs) and /generations/{id} (one generation, its media and
// actions).
import { h, field, page, request, pager, go, formatDate, alert } from "../lib.js";
import { showMedia, thumbnail } from "./media.js";
import { follow } from "./generate.js";

const LIMIT = 24;

export async function gallery({ query }) {
  const [models, projects] = await Promise.all([request("GET", "/api/v1/models"), request("GET", "/api/v1/projects?limit=100")]);
  const filters = {
    project_id: h("select", { name: "project_id" }, h("option", { value: "" }, "All projects"),
      (projects.ok ? projects.data.projects : []).map((p) => h("option", { value: p.id }, p.name))),
    model_id: h("select", { name: "model_id" }, h("option", { value: "" }, "All models"),
      (models.ok ? models.data.models : []).map((m) => h("option", { value: m.id }, m.name))),
    status: h("select", { name: "status" }, h("option", { value: "" }, "Any status"),
      ["completed", "pending", "processing", "failed", "cancelled"].map((s) => h("option", { value: s }, s))),
    favorite: h("select", { name: "favorite" }, h("option", { value: "" }, "All"), h("option", { value: "true" }, "Favourites only")),
  };
  for (const [k, el] of Object.entries(filters)) el.value = query.get(k) || "";
  const form = h("form", { className: "filters card", role: "search", "aria-label": "Filter generations" },
    field("Project", filters.project_id), field("Model", filters.model_id), field("Status", filters.status), field("Favourites", filters.favorite));
  form.addEventListener("change", () => go("/gallery?" + params(0)));
  function params(offset) {
    const q = new URLSearchParams();
    for (const [k, el] of Object.entries(filters)) if (el.value) q.set(k, el.value);
    if (offset) q.set("offset", offset);
    return q.toString();
  }
  const offset = Math.max(0, Number(query.get("offset")) || 0);
  const res = await request("GET", `/api/v1/generations?limit=${LIMIT}&offset=${offset}&` + params(0));
  if (!res.ok) return page("Gallery", form, h("p", { role: "alert" }, res.message));
  const list = res.data.generations;
  const items = await Promise.all(list.map(async (g) => {
    let url = null;
    if (g.status === "completed") {
      const m = await request("GET", `/api/v1/generations/${g.id}/media-urls`);
      if (m.ok) url = m.data.primary_url;
    }
    return h("li", {}, h("a", { href: "/generations/" + g.id }, thumbnail(g, url),
      h("div", { className: "meta" }, h("p", {}, g.prompt), h("p", { className: "muted" }, (g.is_favorite ? "★ " : "") + g.model_id))));
  }));
  return page("Gallery", form,
    list.length ? h("ul", { className: "grid", "aria-label": "Generations" }, items)
      : h("p", { className: "placeholder" }, "Nothing here yet. ", h("a", { href: "/generate" }, "Make your first generation.")),
    pager(res.data.total, LIMIT, offset, (o) => go("/gallery?" + params(o))));
}

export async function generation({ params, refreshBalance }) {
  const res = await request("GET", "/api/v1/generations/" + encodeURIComponent(params.id));
  if (!res.ok) return page("Generation", h("p", { role: "alert" }, res.status === 404 || res.status === 422 ? "There is no generation here, or you may not see it." : res.message));
  let gen = res.data;
  const fail = alert();
  const body = h("div");
  async function draw() {
    const favorite = h("button", { type: "button", className: "quiet", "aria-pressed": String(gen.is_favorite), onclick: toggle }, gen.is_favorite ? "★ Favourite" : "☆ Favourite");
    const actions = h("p", { className: "actions" }, favorite,
      ["pending", "processing"].includes(gen.status) ? h("button", { type: "button", className: "quiet", onclick: cancel }, "Cancel") : null,
      gen.status === "completed" ? h("a", { href: `/generate?model=${encodeURIComponent(gen.model_id)}&prompt=${encodeURIComponent(gen.prompt)}&parent=${gen.id}` }, "Make a variation") : null,
      h("button", { type: "button", className: "danger", onclick: remove }, "Delete"));
    body.replaceChildren(
      gen.status === "completed" ? await showMedia(gen) : h("p", { role: "status" }, `Status: ${gen.status}` + (gen.error_message ? ` (${gen.error_message})` : "")),
      actions, fail,
      h("dl", { className: "facts" },
        h("dt", {}, "Prompt"), h("dd", {}, gen.prompt),
        gen.negative_prompt ? [h("dt", {}, "Negative prompt"), h("dd", {}, gen.negative_prompt)] : null,
        h("dt", {}, "Model"), h("dd", {}, gen.model_id),
        h("dt", {}, "Settings"), h("dd", {}, Object.entries(gen.parameters || {}).map(([k, v]) => `${k}: ${v}`).join(", ") || "defaults"),
        h("dt", {}, "Cost"), h("dd", {}, `${gen.cost} credits`),
        h("dt", {}, "Created"), h("dd", {}, formatDate(gen.created_at)),
        gen.project_id ? [h("dt", {}, "Project"), h("dd", {}, h("a", { href: "/projects/" + gen.project_id }, "Open the project"))] : null));
  }
  async function toggle() {
    const r = await request("POST", `/api/v1/generations/${gen.id}/favorite`, {});
    if (!r.ok) return void (fail.textContent = r.message);
    gen = r.data;
    draw();
  }
  async function cancel() {
    const r = await request("POST", `/api/v1/generations/${gen.id}/cancel`, {});
    if (!r.ok) return void (fail.textContent = r.message);
    gen = r.data;
    refreshBalance();
    draw();
  }
  async function remove() {
    if (!confirm("Delete this generation and its files? This cannot be undone.")) return;
    const r = await request("DELETE", `/api/v1/generations/${gen.id}`);
    if (!r.ok) return void (fail.textContent = r.message);
    go("/gallery");
  }
  await draw();
  if (["pending", "processing"].includes(gen.status)) {
    follow(gen, () => {}).then((g) => { gen = g; draw(); });
  }
  return page("Generation", body);
}
