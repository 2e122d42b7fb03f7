// A team invitation's mailed link: shows the invitation, and accepts or
// declines it with one click of the invited account (signing up or in
// first). Accepting proves the address: the account becomes verified.
import { h, page, alert, request, session, setUser, go } from "../lib.js";

export async function invitation({ params }) {
  const token = params.token;
  const res = await request("GET", "/api/v1/invitations/" + encodeURIComponent(token));
  if (!res.ok) {
    return page("Team invitation", h("p", { role: "alert" }, res.status === 404
      ? "This invitation link is not valid. Ask the team for a new invitation." : res.message));
  }
  const inv = res.data;
  const about = h("p", { className: "lead" }, "You are invited to join ", h("strong", {}, inv.team_name), " as ", h("strong", {}, inv.role), ".");
  if (inv.status !== "pending") {
    return page("Team invitation", about, h("p", { role: "alert" }, `This invitation is ${inv.status}. Ask the team for a new one if you still want to join.`));
  }
  const here = "/invitations/" + encodeURIComponent(token);
  if (!session.signedIn) {
    const q = "?next=" + encodeURIComponent(here) + "&email=" + encodeURIComponent(inv.email);
    return page("Team invitation", about,
      h("p", {}, `The invitation is for ${inv.email}. Sign in with that address, or create an account for it, to accept.`),
      h("p", { className: "actions" }, h("a", { href: "/signup" + q, className: "button" }, "Create an account"), " ", h("a", { href: "/signin" + q }, "Sign in")));
  }
  if (session.user.email.toLowerCase() !== inv.email.toLowerCase()) {
    return page("Team invitation", about,
      h("p", { role: "alert" }, `The invitation is for ${inv.email}, but you are signed in as ${session.user.email}. Sign out and sign in with the invited address.`));
  }
  const fail = alert();
  const act = (what) => async (ev) => {
    ev.target.disabled = true;
    const r = await request("POST", `${"/api/v1/invitations/" + encodeURIComponent(token)}/${what}`, {});
    ev.target.disabled = false;
    if (!r.ok) {
      fail.textContent = r.status === 409 ? "This invitation was already used or withdrawn."
        : r.status === 410 ? "This invitation has expired. Ask the team for a new one." : r.message;
      return;
    }
    if (what === "decline") return void buttons.replaceWith(h("p", { role: "status" }, "You declined the invitation."));
    const me = await request("GET", "/api/v1/auth/me");
    if (me.ok) setUser(me.data);
    go("/teams/" + r.data.id);
  };
  const buttons = h("p", { className: "actions" },
    h("button", { type: "button", onclick: act("accept") }, "Accept invitation"), " ",
    h("button", { type: "button", className: "quiet", onclick: act("decline") }, "Decline"));
  return page("Team invitation", about, h("p", {}, `The invitation expires on ${new Date(inv.expires_at).toLocaleDateString()}.`), fail, buttons);
}
