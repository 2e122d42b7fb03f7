package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// studioURL is where this server's mails link by default: the studio on
// localhost at the server's port.
func (s *testServer) studioURL(t testing.TB) string {
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + u.Port()
}

// named selects the element whose computed role and accessible name are
// these, as assistive technology finds it (Chromium's accessibility tree):
// a label that does not name its field fails the test.
func named(role, name string) chromedp.QueryOption {
	return chromedp.ByFunc(func(ctx context.Context, t *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		res, err := cdp.Call(ctx, t, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{NodeID: n.NodeID, AccessibleName: name, Role: role})
		if err != nil {
			return nil, err
		}
		var backend []cdp.BackendNodeID
		for _, ax := range res.Nodes {
			if !ax.Ignored && ax.BackendDOMNodeID != 0 {
				backend = append(backend, ax.BackendDOMNodeID)
			}
		}
		if len(backend) == 0 {
			return nil, nil // not yet: the query retries
		}
		pushed, err := cdp.Call(ctx, t, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: backend})
		return pushed.NodeIDs, err
	})
}

// fill types into the (empty) text field of that accessible name.
func fill(name, value string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.SendKeys("", value, named("textbox", name))}
}

// press clicks the button of that accessible name.
func press(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Click("", named("button", name))
}

// heading waits for the page whose h1 says this.
func (b *browser) heading(t *testing.T, text string) {
	t.Helper()
	b.wait(t, "the page "+text, fmt.Sprintf(`document.querySelector("h1")?.textContent === %q`, text))
}

// noTokensStored fails if a token is where a script could find it after a
// reload: web storage, or a cookie a script can read.
func (b *browser) noTokensStored(t *testing.T) {
	t.Helper()
	stored, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`JSON.stringify({local: {...localStorage}, session: {...sessionStorage}, cookies: document.cookie})`))
	if err != nil {
		t.Fatal(err)
	}
	if stored != `{"local":{},"session":{},"cookies":"velro_signed_in=1"}` {
		t.Fatalf("what scripts can read of the browser's storage: %s", stored)
	}
}

// clearOutbox removes the mails read, so the next one to the same address
// is the one found.
func clearOutbox(t *testing.T, dataDir string) {
	files, _ := filepath.Glob(filepath.Join(dataDir, "outbox", "*.eml"))
	for _, f := range files {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
}

// screenshot saves the page to dir/name.png (the docs' when
// VELRO_UPDATE_SCREENSHOT=1).
func (b *browser) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStudio drives the studio in headless Chromium as people use it, by the
// accessible names of its fields and buttons, at a phone's width (390 px):
// sign up (keyboard only), verify the address from the mailed link,
// generate with the built-in renderer, see and edit the result, reload
// and stay signed in (the session cookie), sign out and in, reset the
// password from the mailed link, and accept a team invitation as a new
// account. No token is ever in web storage, no page logs an error or
// contacts another host.
func TestStudio(t *testing.T) {
	chrome := chromiumPath(t)
	s := startServer(t, env{})
	shots := t.TempDir()
	if os.Getenv("VELRO_UPDATE_SCREENSHOT") == "1" {
		shots = filepath.Join("..", "..", "docs", "studio")
	}
	if dir := os.Getenv("VELRO_STUDIO_SHOTS"); dir != "" {
		shots = dir
	}
	b := openBrowser(t, chrome, s.URL)
	b.do(t, "a phone's viewport", chromedp.EmulateViewport(390, 844))

	// Sign up from the start page, keyboard and names only.
	b.do(t, "the start page", chromedp.Navigate(s.URL+"/"))
	b.heading(t, "Make images and videos from words")
	// What the first load costs (BENCHMARKS.md): bytes over the wire and
	// the time to the page's load event, on this machine.
	first, err := chromedp.Run(b.ctx, chromedp.Poll[string](`(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		if (!nav || !nav.loadEventEnd) return false;
		const all = [nav, ...performance.getEntriesByType("resource")];
		return all.length + " requests, " + all.reduce((n, r) => n + r.transferSize, 0) + " bytes, load " + Math.round(nav.loadEventEnd) + " ms";
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first load of /: %s", first)
	b.do(t, "to sign-up", chromedp.Click("", named("link", "Create an account")))
	b.heading(t, "Create your account")
	// The keyboard alone: typing, and Enter submits.
	b.do(t, "sign up", append(fill("Email", "ada@example.com"), fill("Password", "Ada-passw0rd"+kb.Enter)...)...)
	b.heading(t, "Generate")
	b.wait(t, "the balance", `document.getElementById("balance").textContent === "1,000 credits"`)
	b.noTokensStored(t)

	// Verify the address: the account page sends the mail, its link opens a
	// page whose button spends the token.
	b.do(t, "account", chromedp.Click("", named("link", "Account")))
	b.heading(t, "Account")
	b.do(t, "ask for the mail", press("Send the verification mail"))
	b.wait(t, "sent", `document.body.textContent.includes("A link is on its way to ada@example.com")`)
	link := outboxMail(t, s.DataDir, "ada@example.com").Link(t, s.studioURL(t)+"/verify-email?token=")
	b.do(t, "open the mailed link", chromedp.Navigate(strings.Replace(link, s.studioURL(t), s.URL, 1)))
	b.heading(t, "Verify your email")
	b.do(t, "verify", press("Verify my email"))
	b.wait(t, "verified", `document.body.textContent.includes("ada@example.com is verified.")`)
	clearOutbox(t, s.DataDir)
	b.do(t, "back to generate", chromedp.Click("", named("link", "Generate")))
	b.heading(t, "Generate")

	// Generate with the built-in image model: the quote, the progress, the
	// result and its download; the balance follows.
	b.wait(t, "the quote", `document.querySelector(".quote").textContent === "Cost: 5 credits"`)
	b.do(t, "generate", append(fill("Prompt", "a red fox in the snow"), press("Generate"))...)
	b.wait(t, "the result", `(() => { const img = document.querySelector(".result img"); return img && img.complete && img.naturalWidth === 512; })()`)
	b.do(t, "the download link", chromedp.WaitVisible("", named("link", "Download")))
	b.wait(t, "the balance after", `document.getElementById("balance").textContent === "995 credits"`)
	b.screenshot(t, shots, "generate")

	// Edit the result: it becomes the reference of the editing model.
	b.do(t, "edit", press("Edit this image"))
	b.wait(t, "the editing model with the image", `document.querySelector("select[name=model_id]").value === "local/image-edit" && document.querySelector(".preview img")`)
	b.do(t, "generate the edit", append(fill("Prompt", "in blue"), press("Generate"))...)
	b.wait(t, "the edited result", `(() => { const img = document.querySelector(".result img"); return img && img.complete && img.naturalWidth === 512 && img.alt.endsWith("in blue"); })()`)
	b.wait(t, "the balance after the edit", `document.getElementById("balance").textContent === "990 credits"`)

	// A reload keeps the session (the HttpOnly cookie), and no token is in
	// storage.
	b.do(t, "reload", chromedp.Reload())
	b.heading(t, "Generate")
	b.noTokensStored(t)

	// Sign out, and in again.
	b.do(t, "sign out", press("Sign out"))
	b.heading(t, "Sign in")
	b.do(t, "sign in", append(append(fill("Email", "ada@example.com"), fill("Password", "Ada-passw0rd")...), press("Sign in"))...)
	b.heading(t, "Generate")
	b.do(t, "sign out again", press("Sign out"))
	b.heading(t, "Sign in")
	b.check(t)

	// Forgot the password: the mailed link opens a page that asks for a
	// new one, and only the click spends the token.
	b.do(t, "forgot", chromedp.Click("", named("link", "Forgot your password?")))
	b.heading(t, "Reset your password")
	b.do(t, "ask for the link", append(fill("Email", "ada@example.com"), press("Send the link"))...)
	b.wait(t, "the answer", `document.querySelector("[role=status]").textContent.startsWith("If an account has this address")`)
	link = outboxMail(t, s.DataDir, "ada@example.com").Link(t, s.studioURL(t)+"/reset-password?token=")
	b.do(t, "open the mailed link", chromedp.Navigate(strings.Replace(link, s.studioURL(t), s.URL, 1)))
	b.heading(t, "Choose a new password")
	b.do(t, "set the password", append(fill("New password", "Ada-new-passw0rd"), press("Set the new password"))...)
	b.wait(t, "done", `document.body.textContent.includes("Your password is set.")`)
	b.do(t, "to sign-in", chromedp.Click("", named("link", "Sign in with it")))
	b.heading(t, "Sign in")
	b.do(t, "sign in with it", append(append(fill("Email", "ada@example.com"), fill("Password", "Ada-new-passw0rd")...), press("Sign in"))...)
	b.heading(t, "Generate")
	b.check(t)

	// A team whose name is markup: shown as text, never run.
	const teamName = `<img src=x onerror="window.pwned=1">Fox <script>window.pwned=1</script>`
	b.do(t, "teams", chromedp.Click("", named("link", "Teams")))
	b.heading(t, "Teams")
	b.do(t, "create a team", append(fill("Team name", teamName), press("Create team"))...)
	b.heading(t, teamName)
	b.wait(t, "markup kept as text", `!window.pwned && !document.querySelector("main img, main script")`)
	b.do(t, "invite", append(fill("Email", "bo@example.com"), press("Invite"))...)
	b.wait(t, "the invitation sent", `[...document.querySelectorAll("[role=status]")].some((el) => el.textContent === "Invitation sent to bo@example.com.")`)
	b.screenshot(t, shots, "team")

	// A project, the gallery with its thumbnail, credits, account.
	b.do(t, "projects", chromedp.Click("", named("link", "Projects")))
	b.heading(t, "Projects")
	b.do(t, "create a project", append(fill("Project name", "Fox book"), press("Create project"))...)
	b.heading(t, "Fox book")
	b.do(t, "gallery", chromedp.Click("", named("link", "Gallery")))
	b.heading(t, "Gallery")
	b.wait(t, "the thumbnail", `(() => { const img = document.querySelector(".grid img"); return img && img.complete && img.naturalWidth > 0; })()`)
	b.screenshot(t, shots, "gallery")
	b.do(t, "credits", chromedp.Click("", named("link", "Credits")))
	b.heading(t, "Credits")
	b.wait(t, "the balance and the ledger", `document.querySelector(".lead").textContent === "You have 990 credits." && document.querySelectorAll("tbody tr").length === 3`)
	// The packs on sale (the default VELRO_CREDIT_PACKS), each with its
	// Buy button. (Buying needs Stripe, whose checkout page is another
	// host: TestStripeCheckout covers the API behind the button.)
	b.wait(t, "the packs", `[...document.querySelectorAll(".packs li span")].map((s) => s.textContent).join("|") === "1,000 credits for $5.00|6,000 credits for $25.00"`)
	b.do(t, "the first pack's Buy button", chromedp.WaitVisible("", named("button", "Buy 1,000 credits")))
	b.do(t, "account", chromedp.Click("", named("link", "Account")))
	b.heading(t, "Account")
	b.wait(t, "its sections", `document.querySelectorAll("main section h2").length === 5`)
	b.do(t, "sign out to be bo", press("Sign out"))
	b.heading(t, "Sign in")
	b.check(t)

	// Bo has no account: the mailed invitation leads to sign-up, back to
	// the invitation, and one click joins, which proves bo's address.
	link = outboxMail(t, s.DataDir, "bo@example.com").Link(t, s.studioURL(t)+"/invitations/")
	b.do(t, "open the invitation", chromedp.Navigate(strings.Replace(link, s.studioURL(t), s.URL, 1)))
	b.heading(t, "Team invitation")
	b.do(t, "to sign-up", chromedp.Click("", named("link", "Create an account")))
	b.heading(t, "Create your account")
	b.wait(t, "the invited address filled in", `document.querySelector("input[type=email]").value === "bo@example.com"`)
	b.do(t, "sign up as bo", append(fill("Password", "Bo-passw0rd-1"), press("Sign up"))...)
	b.heading(t, "Team invitation")
	b.do(t, "accept", press("Accept invitation"))
	b.heading(t, teamName)
	c := s.client(t)
	bo := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "bo@example.com", "password": "Bo-passw0rd-1"}).want(t, 200).JSON(t)
	if user := bo["user"].(map[string]any); user["email_verified"] != true {
		t.Errorf("bo accepted the mailed invitation but is not verified: %v", user)
	}
	b.do(t, "sign out bo", press("Sign out"))
	b.heading(t, "Sign in")

	// The admin console, for an admin.
	velroUsers(t, env{"VELRO_DATA_DIR": s.DataDir}, "set-role", "ada@example.com", "admin")
	b.do(t, "sign in as the admin", append(append(fill("Email", "ada@example.com"), fill("Password", "Ada-new-passw0rd")...), press("Sign in"))...)
	b.heading(t, "Generate")
	b.do(t, "admin", chromedp.Click("", named("link", "Admin")))
	b.heading(t, "Admin")
	b.wait(t, "the accounts and the audit log", `document.body.textContent.includes("bo@example.com") && document.body.textContent.includes("invitation.accepted")`)
	b.screenshot(t, shots, "admin")
	b.noTokensStored(t)
	b.check(t)
}
