// Account: whether the address is verified, and a new verification mail.
import { h, status, alert, request, session } from "../../lib.js";

export default function verification() {
  if (session.user.email_verified) return [h("h2", {}, "Email"), h("p", {}, `${session.user.email} is verified.`)];
  const said = status();
  const fail = alert();
  const send = h("button", { type: "button", onclick: async () => {
    send.disabled = true;
    const r = await request("POST", "/api/v1/auth/verify/send", {});
    send.disabled = false;
    if (r.ok) said.textContent = `A link is on its way to ${session.user.email}; it works for 24 hours.`;
    else fail.textContent = r.message;
  } }, "Send the verification mail");
  return [h("h2", {}, "Email"), h("p", {}, `${session.user.email} is not verified yet.`), send, said, fail];
}
