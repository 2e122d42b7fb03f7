package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nginxConf is a load balancer in front of Velro instances, as an operator
// would configure one: keep-alive to the instances, forwarded headers, no
// buffering (event streams), and a failed request tried on the next
// instance. nginx retries only idempotent requests on another instance
// (never a POST that may have reached one), so a submit the killed
// instance may have taken answers 502 and the client retries it with its
// Idempotency-Key.
const nginxConf = `daemon off;
worker_processes 1;
pid {{dir}}/nginx.pid;
error_log {{dir}}/error.log warn;
{{user}}
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path {{dir}}/body;
	proxy_temp_path {{dir}}/proxy;
	fastcgi_temp_path {{dir}}/fastcgi;
	uwsgi_temp_path {{dir}}/uwsgi;
	scgi_temp_path {{dir}}/scgi;
	upstream velro {
{{servers}}
		keepalive 32;
	}
	server {
		listen 127.0.0.1:{{port}};
		location / {
			proxy_pass http://velro;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host $host;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto $scheme;
			proxy_buffering off;
			proxy_connect_timeout 1s;
			proxy_read_timeout 60s;
			proxy_next_upstream error timeout http_502 http_503 http_504;
			proxy_next_upstream_tries 3;
		}
	}
}
`

// Nginx starts Debian's nginx as a load balancer in front of the given
// upstream addresses (host:port), stops it when the test ends, and returns
// its base URL. Without nginx the test is skipped, or fails when
// VELRO_TEST_REQUIRE_SERVICES=1.
func Nginx(t testing.TB, upstreams []string) string {
	t.Helper()
	requireCommands(t, "nginx-light", "nginx")
	dir := t.TempDir()
	port := freePorts(t, 1)[0]
	var servers strings.Builder
	for _, u := range upstreams {
		// An instance that refused a connection is skipped for a second.
		fmt.Fprintf(&servers, "\t\tserver %s max_fails=1 fail_timeout=1s;\n", u)
	}
	user := ""
	if os.Geteuid() == 0 { // workers would drop to nobody, who cannot use dir
		user = "user root;"
	}
	conf := strings.NewReplacer("{{dir}}", dir, "{{user}}", user, "{{servers}}", servers.String(),
		"{{port}}", strconv.Itoa(port)).Replace(nginxConf)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nginx", "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	t.Cleanup(func() {
		// TERM: the master stops its workers too (a killed master would
		// leave them holding the port).
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	logs := func() string { raw, _ := os.ReadFile(filepath.Join(dir, "error.log")); return string(raw) }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	waitFor(ctx, t, "nginx to listen on "+addr, logs, func() bool {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	return "http://" + addr
}
