// The start page: what Velro is, and the way in.
import { h, page, session, go } from "../lib.js";

export function home() {
  if (session.signedIn) {
    go("/generate", { replace: true });
    return [];
  }
  return page("Make images and videos from words",
    h("p", { className: "lead" }, "Velro Studio turns a sentence into a picture or a short clip. Pick a model, describe what you want, and watch it appear."),
    h("p", { className: "actions" }, h("a", { href: "/signup", className: "button" }, "Create an account"), " ", h("a", { href: "/signin" }, "Sign in")),
    h("p", { className: "muted" }, "New accounts start with free credits. The built-in models run on this server, with nothing to set up."));
}
