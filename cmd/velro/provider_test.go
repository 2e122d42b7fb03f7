package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/falfake"
)

// TestFALGeneration runs generations through the FAL adapter against a
// stand-in of FAL's queue API: outputs are copied into Velro's storage;
// a failing result fails the generation and refunds it once.
func TestFALGeneration(t *testing.T) {
	ok := falfake.New(t, falfake.Config{QueuedPolls: 1, ProgressPolls: 1})
	c := startServer(t, env{"FAL_KEY": "test-key", "FAL_BASE_URL": ok.URL()}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	models := c.do("GET", "/api/v1/models?model_type=image", nil).want(t, 200).JSON(t)["models"].([]any)
	for _, m := range models {
		if m.(map[string]any)["is_active"] != true {
			t.Fatalf("with FAL_KEY set, %v is inactive", m)
		}
	}
	id := submit(t, a, map[string]any{"model_id": "fal-ai/flux-pro/v1.1-ultra", "prompt": "a lighthouse"})["id"].(string)
	g := waitStatus(t, a, id, "completed")
	urls := g["output_urls"].([]any)
	if len(urls) != 1 || !strings.HasPrefix(urls[0].(string), "generations/"+id+"/") {
		t.Fatalf("outputs are not Velro storage paths: %v", urls)
	}
	if ok.Submits() != 1 || len(ok.Calls("POST", "/fal-ai/flux-pro/v1.1-ultra")) != 1 {
		t.Fatalf("stand-in saw %d submits", ok.Submits())
	}
	if l := ledger(t, a, id); l["usage"] != 1 || l["refund"] != 0 {
		t.Fatalf("ledger %v", l)
	}

	failing := falfake.New(t, falfake.Config{ResultStatus: 422})
	c2 := startServer(t, env{"FAL_KEY": "test-key", "FAL_BASE_URL": failing.URL()}).client(t)
	b := c2.with(register(t, c2, "bob@example.com").Access)
	id = submit(t, b, map[string]any{"model_id": "fal-ai/imagen4/preview/ultra", "prompt": "a lighthouse"})["id"].(string)
	g = waitStatus(t, b, id, "failed")
	if msg, _ := g["error_message"].(string); msg == "" {
		t.Fatalf("failed without a message: %v", g)
	}
	if l := ledger(t, b, id); l["usage"] != 1 || l["refund"] != 1 {
		t.Fatalf("ledger %v", l)
	}
	if bal := b.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; bal != 1000.0 {
		t.Fatalf("balance %v after a refunded failure", bal)
	}
}

// process is the real program in a child process.
type process struct {
	cmd *exec.Cmd
	URL string
}

func startProcess(t *testing.T, e env) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "VELRO_TEST_RUN_MAIN=1", "VELRO_ADDR=127.0.0.1:0", "VELRO_LOG_LEVEL=warn")
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "velro listening on "); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return &process{cmd: cmd, URL: u}
		}
	}
	t.Fatal("the child process exited before listening")
	return nil
}

// crash kills the process without warning: no shutdown, no job bookkeeping.
func (p *process) crash(t *testing.T) {
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// TestCrashMidRun kills the server while a generation is being made, after
// it was charged, and starts another on the same data. The job is rescued
// and run again: it ends once, with the right number of refunds.
func TestCrashMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: waits for the job rescuer")
	}
	timing := env{"VELRO_JOB_TIMEOUT": "4s", "VELRO_JOB_RESCUE_AFTER": "5s", "VELRO_FAL_TIMEOUT": "3s"}
	cases := []struct {
		name              string
		first, second     env
		model, wantStatus string
		wantRefunds       int
	}{
		{"local renderer completes on retry", env{"VELRO_LOCAL_RENDER_DELAY": "30s"}, env{}, "local/image", "completed", 0},
		{"FAL result fails on retry", env{}, env{}, "fal-ai/veo3", "failed", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := env{"VELRO_DATA_DIR": t.TempDir()}
			for k, v := range timing {
				base[k] = v
			}
			var fal *falfake.Server
			if strings.HasPrefix(tc.model, "fal-ai/") {
				// Enough queued polls to crash during them; the resumed
				// attempt finds the request done and its result failed.
				fal = falfake.New(t, falfake.Config{QueuedPolls: 3, ResultStatus: 422, Media: "video"})
				base["FAL_KEY"], base["FAL_BASE_URL"] = "test-key", fal.URL()
			}
			first := startProcess(t, merge(base, tc.first))
			c := (&testServer{URL: first.URL}).client(t)
			acct := register(t, c, "crash@example.com")
			a := c.with(acct.Access)
			id := submit(t, a, map[string]any{"model_id": tc.model, "prompt": "interrupted"})["id"].(string)
			waitStatus(t, a, id, "processing")
			if fal != nil {
				// A status poll comes after the submit was saved: from
				// here on, a resumed attempt must not submit again.
				select {
				case <-fal.Polled():
				case <-time.After(20 * time.Second):
					t.Fatal("the provider was never polled")
				}
			}
			first.crash(t)

			time.Sleep(5 * time.Second) // let VELRO_JOB_RESCUE_AFTER pass: only then may the job be rescued
			second := startProcess(t, merge(base, tc.second))
			a2 := (&testServer{URL: second.URL}).client(t).with(acct.Access)
			waitStatusWithin(t, a2, id, tc.wantStatus, time.Minute) // the rescuer runs every 30 s
			if l := ledger(t, a2, id); l["usage"] != 1 || l["refund"] != tc.wantRefunds {
				t.Fatalf("ledger %v", l)
			}
			if fal != nil && fal.Submits() != 1 {
				t.Fatalf("the provider saw %d submits: the rescued job submitted (and paid) again instead of resuming", fal.Submits())
			}
		})
	}
}

func merge(a, b env) env {
	out := env{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
