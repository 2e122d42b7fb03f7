// Account: deleting it, with everything it holds.
import { h, field, alert, request, forget, go, submitting } from "../../lib.js";

export default function deleteAccount() {
  const fail = alert();
  const pw = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const form = h("form", {}, h("p", {}, "This deletes your account, generations, media, uploads, and the projects and teams you own. It cannot be undone."),
    field("Password to confirm", pw), fail, h("button", { type: "submit", className: "danger" }, "Delete my account"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!confirm("Delete your account and everything in it?")) return;
    submitting(form, async () => {
      const r = await request("DELETE", "/api/v1/user", { password: pw.value });
      if (!r.ok) return void (fail.textContent = r.status === 401 || r.status === 403 ? "The password is not right." : r.message);
      forget();
      go("/");
    });
  });
  return [h("h2", {}, "Delete the account"), form];
}
