// /account: one section per module of account/, in this order. Each
// module's default export returns the section's element (or a promise of
// it). Features add their own module (sessions, MFA, passkeys, API keys,
// webhooks, email change) and its name here.
import { page, h } from "../lib.js";

const sections = ["profile", "password", "verification", "export", "delete"];

export async function account(ctx) {
  const parts = await Promise.all(sections.map(async (name) => {
    const section = await (await import(`./account/${name}.js`)).default(ctx);
    return h("section", { className: "card", "aria-labelledby": "s-" + name, id: name }, section);
  }));
  for (const [i, part] of parts.entries()) part.querySelector("h2").id = "s-" + sections[i];
  return page("Account", ...parts);
}
