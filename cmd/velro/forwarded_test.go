package main

import (
	"strings"
	"testing"
)

// TestForwardedHeadersOnlyFromProxies: X-Forwarded-Proto and
// X-Forwarded-Host shape signed media URLs only when a trusted proxy sent
// them; from anyone else the URLs name the server as the client reached it.
func TestForwardedHeadersOnlyFromProxies(t *testing.T) {
	forged := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "attacker.example"}
	urls := func(c *client, id string, headers ...string) string {
		return c.do("GET", "/api/v1/generations/"+id+"/media-urls", nil, headers...).want(t, 200).Str(t, "primary_url")
	}

	s := startServer(t, env{})
	c := s.client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	id, _ := generateImage(t, a)
	if got := urls(a, id, forged...); !strings.HasPrefix(got, s.URL+"/media/") {
		t.Fatalf("an untrusted client's forwarded headers shaped the URL: %s", got)
	}

	behind := startServer(t, env{"VELRO_TRUSTED_PROXIES": "127.0.0.1"})
	c = behind.client(t)
	a = c.with(register(t, c, "ada@example.com").Access)
	id, _ = generateImage(t, a)
	if got := urls(a, id, forged...); !strings.HasPrefix(got, "https://attacker.example/media/") {
		t.Fatalf("the trusted proxy's forwarded headers were ignored: %s", got)
	}
	// A peer that is not the proxy is not believed, even on that server.
	if got := urls(a.from("127.0.0.2"), id, forged...); !strings.HasPrefix(got, "http://"+strings.TrimPrefix(behind.URL, "http://")+"/media/") {
		t.Fatalf("forwarded headers from a non-proxy peer shaped the URL: %s", got)
	}
	// A malformed forwarded host is ignored, not echoed.
	if got := urls(a, id, "X-Forwarded-Host", "bad host/evil?"); !strings.HasPrefix(got, behind.URL+"/media/") {
		t.Fatalf("a malformed forwarded host shaped the URL: %s", got)
	}
}
