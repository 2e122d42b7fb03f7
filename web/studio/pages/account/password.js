// Account: changing the password ends every other session.
import { h, field, alert, status, request, submitting } from "../../lib.js";

export default function password() {
  const fail = alert();
  const said = status();
  const current = h("input", { type: "password", name: "current_password", autocomplete: "current-password", required: true });
  const next = h("input", { type: "password", name: "new_password", autocomplete: "new-password", required: true, minLength: 8 });
  const form = h("form", {}, field("Current password", current), field("New password", next, "8 to 128 characters. Your other devices will be signed out."),
    fail, said, h("button", { type: "submit" }, "Change password"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      fail.textContent = said.textContent = "";
      const r = await request("POST", "/api/v1/auth/password", { current_password: current.value, new_password: next.value });
      if (!r.ok) return void (fail.textContent = r.status === 401 ? "The current password is not right." : r.message);
      form.reset();
      said.textContent = "Password changed. Other devices are signed out.";
    });
  });
  return [h("h2", {}, "Password"), form];
}
