// Signing up and in, and the pages mailed links open. A mailed link's page
// never spends its token on opening (mail scanners follow links): it asks
// for one click that does.
import { h, field, page, alert, status, request, keep, setUser, session, go, submitting } from "../lib.js";

// next is where to go after signing in: a path of this site only.
function next(query) {
  const to = query.get("next") || "";
  return to.startsWith("/") && !to.startsWith("//") && !to.includes("\\") ? to : "/generate";
}

function email(value = "") {
  return h("input", { type: "email", name: "email", autocomplete: "email", required: true, value });
}

function password(autocomplete) {
  return h("input", { type: "password", name: "password", autocomplete, required: true, minLength: autocomplete === "new-password" ? 8 : undefined });
}

export function signup({ query }) {
  const fail = alert();
  const form = h("form", { className: "card narrow", novalidate: false },
    field("Full name", h("input", { type: "text", name: "full_name", autocomplete: "name", maxLength: 100 }), "Optional: how we greet you."),
    field("Email", email(query.get("email") || "")),
    field("Password", password("new-password"), "8 to 128 characters, mixing letters with digits or symbols."),
    fail,
    h("button", { type: "submit" }, "Sign up"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      fail.textContent = "";
      const f = form.elements;
      const res = await request("POST", "/api/v1/auth/register", { email: f.email.value, password: f.password.value, full_name: f.full_name.value || undefined });
      if (!res.ok) return void (fail.textContent = res.message);
      keep(res.data);
      go(next(query));
    });
  });
  return page("Create your account", form,
    h("p", {}, "Already have an account? ", h("a", { href: "/signin" + (query.get("next") ? "?next=" + encodeURIComponent(query.get("next")) : "") }, "Sign in")));
}

export function signin({ query }) {
  if (session.signedIn) {
    go(next(query), { replace: true });
    return [];
  }
  const fail = alert();
  const form = h("form", { className: "card narrow" },
    field("Email", email(query.get("email") || "")),
    field("Password", password("current-password")),
    fail,
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      fail.textContent = "";
      const res = await request("POST", "/api/v1/auth/login", { email: form.elements.email.value, password: form.elements.password.value });
      if (!res.ok) return void (fail.textContent = res.message);
      if (res.data.mfa_required) return void form.replaceWith(secondFactor(res.data.mfa_token, query));
      keep(res.data);
      go(next(query));
    });
  });
  return page("Sign in", form,
    h("p", {}, h("a", { href: "/forgot-password" }, "Forgot your password?")),
    h("p", {}, "New here? ", h("a", { href: "/signup" + (query.get("next") ? "?next=" + encodeURIComponent(query.get("next")) : "") }, "Create an account")));
}

// secondFactor asks an account with MFA for its code.
function secondFactor(token, query) {
  const fail = alert();
  const code = h("input", { type: "text", name: "code", inputMode: "numeric", autocomplete: "one-time-code", required: true });
  const form = h("form", { className: "card narrow" },
    h("p", {}, "Enter the code from your authenticator app, or a recovery code."),
    field("Authentication code", code), fail, h("button", { type: "submit" }, "Verify"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      const value = code.value.trim();
      const body = /^\d{6}$/.test(value) ? { mfa_token: token, code: value } : { mfa_token: token, recovery_code: value };
      const res = await request("POST", "/api/v1/auth/mfa/verify", body);
      if (!res.ok) return void (fail.textContent = res.message);
      keep(res.data);
      go(next(query));
    });
  });
  return form;
}

export function forgot() {
  const said = status();
  const form = h("form", { className: "card narrow" },
    h("p", {}, "We will mail you a link that sets a new password."),
    field("Email", email()), said, h("button", { type: "submit" }, "Send the link"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      const res = await request("POST", "/api/v1/auth/password/forgot", { email: form.elements.email.value });
      said.textContent = res.ok ? "If an account has this address, a link is on its way. It works for one hour." : res.message;
    });
  });
  return page("Reset your password", form, h("p", {}, h("a", { href: "/signin" }, "Back to sign in")));
}

// tokenPage is a mailed link's page: without a token it says so; with one,
// the button spends it.
function tokenPage(title, query, intro, button, act) {
  const token = query.get("token");
  if (!token) return page(title, h("p", { role: "alert" }, "This link is incomplete. Open the whole link from the mail, or ask for a new one."));
  const fail = alert();
  const form = h("form", { className: "card narrow" }, h("p", {}, intro));
  form.append(...act.fields, fail, h("button", { type: "submit" }, button));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      fail.textContent = "";
      const res = await act.send(token);
      if (!res.ok) {
        fail.textContent = res.status === 400 ? "This link was already used or is not valid. Ask for a new one."
          : res.status === 410 ? "This link has expired. Ask for a new one." : res.message;
        return;
      }
      form.replaceWith(act.done(res));
    });
  });
  return page(title, form);
}

export function reset({ query }) {
  const pw = password("new-password");
  return tokenPage("Choose a new password", query, "Pick a new password for your account. Every device signed in to it will be signed out.", "Set the new password", {
    fields: [field("New password", pw, "8 to 128 characters, mixing letters with digits or symbols.")],
    send: (token) => request("POST", "/api/v1/auth/password/reset", { token, new_password: pw.value }),
    done: () => h("div", { className: "card narrow", role: "status" }, h("p", {}, "Your password is set."), h("p", {}, h("a", { href: "/signin" }, "Sign in with it"))),
  });
}

export function verify({ query }) {
  return tokenPage("Verify your email", query, "Confirm that this address is yours.", "Verify my email", {
    fields: [],
    send: (token) => request("POST", "/api/v1/auth/verify", { token }),
    done: (res) => {
      if (session.signedIn) setUser(res.data);
      return h("div", { className: "card narrow", role: "status" }, h("p", {}, `${res.data.email} is verified.`),
        h("p", {}, h("a", { href: session.signedIn ? "/generate" : "/signin" }, session.signedIn ? "Start creating" : "Sign in")));
    },
  });
}

export function confirmEmail({ query }) {
  return tokenPage("Confirm your new email", query, "Confirm the new address of your account.", "Confirm my new email", {
    fields: [],
    send: (token) => request("POST", "/api/v1/user/email/confirm", { token }),
    done: (res) => {
      if (session.signedIn) setUser(res.data);
      return h("div", { className: "card narrow", role: "status" }, h("p", {}, `Your account's email is now ${res.data.email}.`));
    },
  });
}
