// /projects (readable projects, creating one) and /projects/{id} (edit,
// visibility, sharing with teams, stats, its generations).
import { h, field, page, alert, status, request, go, submitting } from "../lib.js";
import { thumbnail } from "./media.js";

const visibilities = [["private", "Private: only you"], ["team-only", "Team-only: the teams you share it with"], ["public", "Public: every signed-in user can view"]];

function visibilitySelect(value = "private") {
  return h("select", { name: "visibility" }, visibilities.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

export async function projects() {
  const res = await request("GET", "/api/v1/projects?limit=100");
  const fail = alert();
  const name = h("input", { type: "text", name: "name", required: true, maxLength: 100 });
  const form = h("form", { className: "card narrow" }, h("h2", {}, "New project"), field("Project name", name),
    field("Description", h("textarea", { name: "description", maxLength: 500, rows: 2 }), "Optional."),
    field("Visibility", visibilitySelect()), fail, h("button", { type: "submit" }, "Create project"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      const f = form.elements;
      const r = await request("POST", "/api/v1/projects", { name: name.value, description: f.description.value || undefined, visibility: f.visibility.value });
      if (!r.ok) return void (fail.textContent = r.message);
      go("/projects/" + r.data.id);
    });
  });
  const list = res.ok ? res.data.projects : [];
  return page("Projects", res.ok ? null : h("p", { role: "alert" }, res.message),
    list.length ? h("ul", {}, list.map((p) => h("li", {}, h("a", { href: "/projects/" + p.id }, p.name), " ",
      h("span", { className: "badge" }, p.visibility), " ", h("span", { className: "muted" }, `${p.generation_count} generations`))))
      : h("p", { className: "muted" }, "No projects yet. Projects group generations and share them with teams."),
    form);
}

export async function project({ params }) {
  const id = encodeURIComponent(params.id);
  const [res, stats, shares, teams, gens] = await Promise.all([
    request("GET", "/api/v1/projects/" + id), request("GET", `/api/v1/projects/${id}/stats`), request("GET", `/api/v1/projects/${id}/teams`),
    request("GET", "/api/v1/teams?limit=100"), request("GET", `/api/v1/generations?project_id=${id}&limit=12`)]);
  if (!res.ok) return page("Project", h("p", { role: "alert" }, res.status === 404 || res.status === 422 ? "There is no project here, or you may not see it." : res.message));
  const p = res.data;
  const fail = alert();
  const said = status();

  const name = h("input", { type: "text", name: "name", required: true, maxLength: 100, value: p.name });
  const description = h("textarea", { name: "description", maxLength: 500, rows: 2, value: p.description || "" });
  const visibility = visibilitySelect(p.visibility);
  const edit = h("form", { className: "card" }, h("h2", {}, "Details"), field("Project name", name), field("Description", description),
    field("Visibility", visibility), fail, said, h("button", { type: "submit" }, "Save"));
  edit.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(edit, async () => {
      fail.textContent = said.textContent = "";
      const r = await request("PUT", "/api/v1/projects/" + id, { name: name.value, description: description.value, visibility: visibility.value });
      if (!r.ok) return void (fail.textContent = r.message);
      said.textContent = "Saved.";
      document.querySelector("h1").textContent = r.data.name;
    });
  });

  const shareFail = alert();
  const shareSaid = status();
  const shareList = h("ul", {}, (shares.ok ? shares.data.shares : []).map((s) => h("li", {},
    `${s.team_name || s.team_id}: ${s.access_level} `,
    h("button", { type: "button", className: "quiet", "aria-label": "Stop sharing with " + (s.team_name || "this team"), onclick: async () => {
      const r = await request("DELETE", `/api/v1/projects/${id}/teams/${s.team_id}`);
      if (!r.ok) return void (shareFail.textContent = r.message);
      go(location.pathname, { replace: true });
    } }, "Stop sharing"))));
  const team = h("select", { name: "team_id" }, (teams.ok ? teams.data.teams : []).map((t) => h("option", { value: t.id }, t.name)));
  const level = h("select", { name: "access_level" }, [["read", "Read: view and download"], ["write", "Write: also add and edit"], ["admin", "Admin: also share"]]
    .map(([v, text]) => h("option", { value: v }, text)));
  const share = h("form", { className: "card" }, h("h2", {}, "Share with a team"),
    p.visibility === "private" ? h("p", { className: "hint" }, "This project is private: shares take effect only once its visibility is team-only or public.") : null,
    shareList, field("Team", team), field("Access", level), shareFail, shareSaid, h("button", { type: "submit", disabled: !team.options.length }, "Share"));
  share.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(share, async () => {
      const r = await request("POST", `/api/v1/projects/${id}/teams`, { team_id: team.value, access_level: level.value });
      if (!r.ok) return void (shareFail.textContent = r.message);
      if (r.data.effective === false) return void (shareSaid.textContent = r.data.detail || "Shared, but private projects ignore shares until their visibility changes.");
      go(location.pathname, { replace: true });
    });
  });

  const st = stats.ok ? stats.data : null;
  const list = gens.ok ? gens.data.generations : [];
  const thumbs = await Promise.all(list.map(async (g) => {
    const m = g.status === "completed" ? await request("GET", `/api/v1/generations/${g.id}/media-urls`) : null;
    return h("li", {}, h("a", { href: "/generations/" + g.id }, thumbnail(g, m && m.ok ? m.data.primary_url : null), h("div", { className: "meta" }, h("p", {}, g.prompt))));
  }));
  const remove = h("button", { type: "button", className: "danger", onclick: async () => {
    if (!confirm(`Delete the project ${p.name}? Its generations stay, outside any project.`)) return;
    const r = await request("DELETE", "/api/v1/projects/" + id);
    if (!r.ok) return void (fail.textContent = r.message);
    go("/projects");
  } }, "Delete the project");

  return page(p.name,
    st ? h("p", { className: "muted" }, `${st.generation_count} generations: ${st.completed} completed, ${st.in_progress} in progress, ${st.failed} failed; ${st.total_credits_used} credits used.`) : null,
    h("p", { className: "actions" }, h("a", { href: "/generate?project=" + p.id, className: "button" }, "Generate in this project"), " ",
      h("a", { href: "/gallery?project_id=" + p.id }, "All its generations")),
    thumbs.length ? h("ul", { className: "grid", "aria-label": "Latest generations" }, thumbs) : null,
    h("div", { className: "two" }, edit, share), h("p", {}, remove));
}
