// The studio's shell: the router that shows the page a path names, the
// header (navigation, the credit balance, Sign out), and sign-in gating.
// Each page is a module of pages/ exporting render(ctx), loaded on demand.
import { h, session, resume, request, forget, go, setRouter, credits } from "./lib.js";

// routes: path pattern, module, export, and whether signing in is needed.
const routes = [
  ["/", "home", "home", false],
  ["/signup", "auth", "signup", false],
  ["/signin", "auth", "signin", false],
  ["/forgot-password", "auth", "forgot", false],
  ["/reset-password", "auth", "reset", false],
  ["/verify-email", "auth", "verify", false],
  ["/confirm-email", "auth", "confirmEmail", false],
  ["/invitations/:token", "invitation", "invitation", false],
  ["/generate", "generate", "generate", true],
  ["/gallery", "gallery", "gallery", true],
  ["/generations/:id", "gallery", "generation", true],
  ["/projects", "projects", "projects", true],
  ["/projects/:id", "projects", "project", true],
  ["/teams", "teams", "teams", true],
  ["/teams/:id", "teams", "team", true],
  ["/credits", "credits", "credits", true],
  ["/account", "account", "account", true],
  ["/admin", "admin", "admin", true],
];

function match(path) {
  for (const [pattern, module, name, needsSession] of routes) {
    const want = pattern.split("/");
    const got = path.split("/");
    if (want.length !== got.length) continue;
    const params = {};
    if (want.every((part, i) => (part.startsWith(":") ? (params[part.slice(1)] = decodeURIComponent(got[i])) : part === got[i]))) {
      return { module, name, needsSession, params };
    }
  }
  return null;
}

const main = document.getElementById("main");
const top = document.getElementById("top");
const balance = h("span", { className: "balance", id: "balance" });

// refreshBalance shows the caller's balance in the header.
export async function refreshBalance() {
  if (!session.signedIn) return;
  const res = await request("GET", "/api/v1/credits/balance");
  if (res.ok) balance.textContent = credits(res.data.balance);
}

function header() {
  const user = session.user;
  const nav = user
    ? [["/generate", "Generate"], ["/gallery", "Gallery"], ["/projects", "Projects"], ["/teams", "Teams"], ["/credits", "Credits"], ["/account", "Account"],
      ...(user.role === "admin" ? [["/admin", "Admin"]] : [])]
    : [["/signin", "Sign in"], ["/signup", "Sign up"]];
  top.replaceChildren(h("div", { className: "bar" },
    h("a", { href: user ? "/generate" : "/", className: "brand" }, "Velro"),
    h("nav", { "aria-label": "Main" }, h("ul", {}, nav.map(([href, text]) => h("li", {}, h("a", {
      href, "aria-current": location.pathname === href ? "page" : null,
    }, text))))),
    user ? h("div", { className: "who" }, balance,
      h("button", { type: "button", className: "quiet", onclick: signOut }, "Sign out")) : null));
  if (user) refreshBalance();
}

async function signOut() {
  await request("POST", "/api/v1/auth/logout", {});
  forget();
  go("/signin");
}

let rendering = 0;

async function render() {
  const turn = ++rendering;
  const url = new URL(location.href);
  const route = match(url.pathname.replace(/\/+$/, "") || "/");
  if (!session.signedIn) await resume();
  if (turn !== rendering) return;
  header();
  if (!route) {
    show(h("h1", {}, "Page not found"), h("p", {}, "There is no page here. ", h("a", { href: "/" }, "Go to the start.")));
    return;
  }
  if (route.needsSession && !session.signedIn) {
    go("/signin?next=" + encodeURIComponent(url.pathname + url.search), { replace: true });
    return;
  }
  try {
    const module = await import(`./pages/${route.module}.js`);
    const content = await module[route.name]({ params: route.params, query: url.searchParams, refreshBalance });
    if (turn === rendering) show(...[content].flat());
  } catch (err) {
    if (turn !== rendering) return;
    show(h("h1", {}, "This page could not load"), h("p", { role: "alert" }, "Reload the page to try again. (" + err.message + ")"));
    throw err;
  }
}

function show(...nodes) {
  main.replaceChildren(...nodes.filter(Boolean));
  // Moving focus to the new content tells screen readers the page changed.
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

setRouter(render);
session.onChange(() => { if (top.firstChild) header(); });

// In-app links change the page without a reload.
document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[href]");
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || a.hasAttribute("download") || a.target || !match(url.pathname.replace(/\/+$/, "") || "/")) return;
  ev.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener("popstate", render);
render();
