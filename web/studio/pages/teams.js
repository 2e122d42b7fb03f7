// /teams (the caller's teams, creating one) and /teams/{id} (members and
// their roles, invitations, leaving).
import { h, field, page, alert, status, request, go, session, submitting, formatDate } from "../lib.js";

export async function teams() {
  const res = await request("GET", "/api/v1/teams?limit=100");
  const fail = alert();
  const name = h("input", { type: "text", name: "name", required: true, maxLength: 100 });
  const form = h("form", { className: "card narrow" }, h("h2", {}, "New team"), field("Team name", name),
    field("Description", h("input", { type: "text", name: "description", maxLength: 500 }), "Optional."), fail,
    h("button", { type: "submit" }, "Create team"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      const r = await request("POST", "/api/v1/teams", { name: name.value, description: form.elements.description.value || undefined });
      if (!r.ok) return void (fail.textContent = r.message);
      go("/teams/" + r.data.id);
    });
  });
  const list = res.ok ? res.data.teams : [];
  return page("Teams",
    res.ok ? null : h("p", { role: "alert" }, res.message),
    list.length ? h("ul", {}, list.map((t) => h("li", {}, h("a", { href: "/teams/" + t.id }, t.name), " ",
      h("span", { className: "muted" }, `${t.members.length} member${t.members.length === 1 ? "" : "s"}`))))
      : h("p", { className: "muted" }, "You are in no team yet. Teams share projects: create one, then invite people."),
    form);
}

const roles = ["admin", "editor", "viewer"];

export async function team({ params }) {
  const id = encodeURIComponent(params.id);
  const res = await request("GET", "/api/v1/teams/" + id);
  if (!res.ok) return page("Team", h("p", { role: "alert" }, res.status === 404 || res.status === 422 ? "There is no team here, or you are not in it." : res.message));
  const t = res.data;
  const me = t.members.find((m) => m.user_id === session.user.id);
  const myRole = me ? me.role : "viewer";
  const manages = (role) => myRole === "owner" || (myRole === "admin" && (role === "editor" || role === "viewer"));
  const fail = alert();
  const said = status();

  const members = h("table", {}, h("caption", { className: "muted" }, "Members"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Member"), h("th", { scope: "col" }, "Role"), h("th", { scope: "col" }, h("span", { className: "muted" }, "Actions")))),
    h("tbody", {}, t.members.map((m) => {
      const who = (m.full_name ? m.full_name + " · " : "") + m.email;
      let roleCell = m.role;
      if (m.role !== "owner" && manages(m.role) && m.user_id !== session.user.id) {
        roleCell = h("select", { "aria-label": "Role of " + m.email }, (myRole === "owner" ? roles : roles.slice(1)).map((r) => h("option", { value: r, selected: r === m.role }, r)));
        roleCell.addEventListener("change", async () => {
          const r = await request("PATCH", `/api/v1/teams/${id}/members/${m.user_id}`, { role: roleCell.value });
          said.textContent = r.ok ? `${m.email} is now ${roleCell.value}.` : "";
          fail.textContent = r.ok ? "" : r.message;
        });
      }
      const remove = m.role !== "owner" && manages(m.role) && m.user_id !== session.user.id
        ? h("button", { type: "button", className: "quiet", "aria-label": "Remove " + m.email, onclick: async () => {
          const r = await request("DELETE", `/api/v1/teams/${id}/members/${m.user_id}`);
          if (!r.ok) return void (fail.textContent = r.message);
          go(location.pathname, { replace: true });
        } }, "Remove") : null;
      return h("tr", {}, h("td", {}, who), h("td", {}, roleCell), h("td", {}, remove));
    })));

  const sections = [h("div", { className: "table" }, members), said, fail];

  if (myRole === "owner" || myRole === "admin") {
    const email = h("input", { type: "email", name: "email", required: true, autocomplete: "off" });
    const role = h("select", { name: "role" }, (myRole === "owner" ? roles : roles.slice(1)).map((r) => h("option", { value: r, selected: r === "editor" }, r)));
    const inviteFail = alert();
    const invited = status();
    const form = h("form", { className: "card narrow" }, h("h2", {}, "Invite someone"),
      h("p", { className: "muted" }, "They get a mail with a link to join; it works for 7 days, with or without an account."),
      field("Email", email), field("Role", role), inviteFail, invited, h("button", { type: "submit" }, "Invite"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitting(form, async () => {
        inviteFail.textContent = invited.textContent = "";
        const r = await request("POST", `/api/v1/teams/${id}/invitations`, { email: email.value, role: role.value });
        if (!r.ok) return void (inviteFail.textContent = r.status === 409 ? "This address is already a member or has a pending invitation." : r.message);
        invited.textContent = `Invitation sent to ${r.data.email}.`;
        email.value = "";
        pending.replaceWith(pending = await pendingList());
      });
    });
    const pendingList = async () => {
      const r = await request("GET", `/api/v1/teams/${id}/invitations`);
      const list = r.ok ? (r.data.invitations || []) : [];
      if (!list.length) return h("p", { className: "muted" }, "No pending invitations.");
      return h("ul", {}, list.map((inv) => h("li", {}, `${inv.email} as ${inv.role}, until ${formatDate(inv.expires_at)} `,
        h("button", { type: "button", className: "quiet", "aria-label": "Withdraw the invitation of " + inv.email, onclick: async () => {
          const d = await request("DELETE", `/api/v1/teams/${id}/invitations/${inv.id}`);
          if (!d.ok) return void (fail.textContent = d.message);
          pending.replaceWith(pending = await pendingList());
        } }, "Withdraw"))));
    };
    let pending = await pendingList();
    sections.push(form, h("h2", {}, "Pending invitations"), pending);
  }
  if (myRole !== "owner") {
    sections.push(h("h2", {}, "Leave"), h("p", {}, h("button", { type: "button", className: "danger", onclick: async () => {
      if (!confirm(`Leave ${t.name}? You lose access to the projects it shares.`)) return;
      const r = await request("POST", `/api/v1/teams/${id}/leave`, {});
      if (!r.ok) return void (fail.textContent = r.message);
      go("/teams");
    } }, "Leave the team")));
  }
  return page(t.name, t.description ? h("p", { className: "lead" }, t.description) : null,
    h("p", { className: "muted" }, `You are ${myRole === "owner" ? "the owner" : "a" + (myRole === "admin" || myRole === "editor" ? "n " : " ") + myRole}.`), ...sections);
}
