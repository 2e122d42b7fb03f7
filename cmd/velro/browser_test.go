package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestBrowserPages opens /dashboard and /docs in Debian's headless
// chromium against a real server: each page loads with no console error
// and no request to another host; a user who is not an admin is turned
// away, an admin signs in and every chart draws; the API reference lists
// the operations. VELRO_UPDATE_SCREENSHOT=1 saves the dashboard to
// docs/dashboard.png.
func TestBrowserPages(t *testing.T) {
	chrome := chromiumPath(t)
	e := env{}
	s := startServer(t, e)
	e["VELRO_DATA_DIR"] = s.DataDir
	c := s.client(t)
	boss, ada := adminOf(t, c, e, "boss@example.com"), register(t, c, "ada@example.com")
	// Traffic for the charts: a generation read and authorized (20
	// samples of generation_access: enough to be judged), and a 404.
	owner := c.with(ada.Access)
	gen := submit(t, owner, map[string]any{"model_id": "local/image", "prompt": "a fox"})["id"].(string)
	for range 10 {
		owner.do("GET", "/api/v1/generations/"+gen, nil).want(t, 200)
		owner.do("GET", "/api/v1/generations/"+gen+"/authorize", nil).want(t, 200)
	}
	owner.do("GET", "/api/v1/generations/"+"00000000-0000-0000-0000-000000000000", nil).want(t, 404)

	b := openBrowser(t, chrome, s.URL)

	b.do(t, "sign-in page",
		chromedp.Navigate(s.URL+"/dashboard"),
		chromedp.WaitVisible("#login-form"),
		chromedp.WaitNotVisible("#dashboard"),
		chromedp.SendKeys("#email", ada.Email),
		chromedp.SendKeys("#password", ada.Password),
		chromedp.Click("#login-form button"),
	)
	b.wait(t, "the refusal of a user who is not an admin",
		`document.getElementById("login-error").textContent.includes("not an admin") && !document.getElementById("login-form").hidden`)
	// The browser logs the 403 that refused her, and only that.
	b.check(t, "status of 403 (Forbidden) ("+s.URL+"/api/v1/monitoring/performance?window=5m)")

	b.do(t, "admin sign-in",
		chromedp.SetValue("#email", boss.Email),
		chromedp.SetValue("#password", boss.Password),
		chromedp.Click("#login-form button"),
		chromedp.WaitVisible("#dashboard"),
		chromedp.WaitNotVisible("#login-form"),
	)
	// Every operation has a row; the ones with samples have three
	// percentile bars, coloured against the target.
	b.wait(t, "the operations chart and table",
		`document.querySelectorAll("#operations-table tbody tr").length === 8 &&
		 document.querySelectorAll("#operations rect.pass, #operations rect.fail").length >= 3*5`)
	b.wait(t, "the cache chart", `document.querySelectorAll("#cache rect.pass, #cache rect.fail").length >= 3`)
	// uPlot draws on a canvas: wait for pixels in each series' colour.
	for chart, rgb := range map[string][3]int{"rate-chart": {9, 105, 218}, "error-chart": {191, 135, 0}} {
		b.wait(t, chart+" drawn", fmt.Sprintf(`(() => {
			const canvas = document.querySelector("#%s canvas");
			if (!canvas || canvas.width === 0) return false;
			const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
			let n = 0;
			for (let i = 0; i < px.length; i += 4) {
				if (Math.abs(px[i]-%d) < 30 && Math.abs(px[i+1]-%d) < 30 && Math.abs(px[i+2]-%d) < 30 && px[i+3] > 200) n++;
			}
			return n > 20;
		})()`, chart, rgb[0], rgb[1], rgb[2]))
	}
	// Judged: what had 20 samples; the two registrations were too few.
	badge, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("compliance").textContent`))
	if err != nil || !regexp.MustCompile(`^targets: (pass|fail) \([1-8] of 9 judged\)$`).MatchString(badge) {
		t.Fatalf("compliance badge %q, %v", badge, err)
	}
	register, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#operations-table tbody tr")]
		.find((tr) => tr.cells[0].textContent === "auth_register").cells[8].textContent`))
	if err != nil || register != "not enough samples (2 of 20)" {
		t.Fatalf("auth_register's status %q, %v", register, err)
	}
	if os.Getenv("VELRO_UPDATE_SCREENSHOT") == "1" {
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The API reference, from the embedded Stoplight Elements.
	b.do(t, "API reference", chromedp.Navigate(s.URL+"/docs"))
	b.wait(t, "the operation groups", `["auth", "generations", "monitoring", "projects", "teams"]
		.every((tag) => document.body.innerText.split("\n").includes(tag))`)
	// Opening a group lists its operations.
	b.do(t, "opening the auth group", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("div")]
		.find((el) => el.childElementCount === 0 && el.textContent.trim() === "auth").click()`))
	b.wait(t, "the auth operations", `["Log in with email and password", "Rotate a refresh token"]
		.every((summary) => document.body.innerText.includes(summary))`)

	b.check(t)
}

// chromiumPath finds Debian's chromium; without it the test is skipped, or
// fails where services are required (CI installs it).
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("VELRO_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatal("chromium is not installed but VELRO_TEST_REQUIRE_SERVICES=1 (apt-get install chromium)")
	}
	t.Skip("chromium is not installed; skipping the browser test (apt-get install chromium)")
	return ""
}

// browser is one headless chromium tab that notes every console error,
// uncaught exception, browser log error and request to another host.
type browser struct {
	ctx      context.Context
	origin   string
	mu       sync.Mutex
	problems []string
}

func openBrowser(t *testing.T, chrome, serverURL string) *browser {
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{origin: u.Host}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1100),
		// Any host but the server's fails to resolve, so the page works
		// only if it needs nothing from elsewhere; attempts are noted too.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE "+u.Hostname()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(b.note))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	b.ctx = ctx
	return b
}

// note records what makes a page fail the test. It runs on the tab's
// reading goroutine, so it only appends.
func (b *browser) note(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, a.Description+string(a.Value))
			}
			problem = "console error: " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		problem = fmt.Sprintf("uncaught exception: %s %s", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception.Description)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			problem = fmt.Sprintf("browser error: %s (%s)", ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		if u, err := url.Parse(ev.Request.URL); err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != b.origin) {
			problem = "request to another host: " + ev.Request.URL
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

// do runs steps, failing with what the page reported if one fails.
func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v; page problems: %v", what, err, b.reported())
	}
}

// wait waits until the JavaScript condition holds.
func (b *browser) wait(t *testing.T, what, condition string) {
	t.Helper()
	b.do(t, what, chromedp.Poll[chromedp.Void](condition, chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(20*time.Second)))
}

func (b *browser) reported() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// check fails the test for every problem reported since the last check,
// but those containing one of the expected strings, each of which must
// have been reported.
func (b *browser) check(t *testing.T, expected ...string) {
	t.Helper()
	b.mu.Lock()
	problems := b.problems
	b.problems = nil
	b.mu.Unlock()
	seen := map[string]bool{}
problems:
	for _, p := range problems {
		for _, e := range expected {
			if strings.Contains(p, e) {
				seen[e] = true
				continue problems
			}
		}
		t.Error(p)
	}
	for _, e := range expected {
		if !seen[e] {
			t.Errorf("the page did not report %q", e)
		}
	}
}
