// Account: the name and avatar others see.
import { h, field, alert, status, request, session, setUser, submitting } from "../../lib.js";

export default function profile() {
  const u = session.user;
  const fail = alert();
  const said = status();
  const name = h("input", { type: "text", name: "full_name", maxLength: 100, autocomplete: "name", value: u.full_name || "" });
  const avatar = h("input", { type: "url", name: "avatar_url", value: u.avatar_url || "", placeholder: "https://" });
  const form = h("form", {}, field("Full name", name), field("Avatar URL", avatar, "An https address of a picture."), fail, said, h("button", { type: "submit" }, "Save profile"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      fail.textContent = said.textContent = "";
      const body = { full_name: name.value };
      if (avatar.value) body.avatar_url = avatar.value;
      const r = await request("PUT", "/api/v1/user/profile", body);
      if (!r.ok) return void (fail.textContent = r.message);
      setUser(r.data);
      said.textContent = "Saved.";
    });
  });
  return [h("h2", {}, "Profile"), h("p", { className: "muted" }, `Signed in as ${u.email} (${u.role}).`), form];
}
