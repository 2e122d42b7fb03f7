package api

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientIP(t *testing.T) {
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name    string
		remote  string
		xff     []string
		proxies []netip.Prefix
		want    string
	}{
		{"no proxies configured: the peer, forwarding ignored", "203.0.113.7:5000", []string{"1.2.3.4"}, nil, "203.0.113.7"},
		{"untrusted peer: its forwarding is ignored", "203.0.113.7:5000", []string{"1.2.3.4"}, lb, "203.0.113.7"},
		{"through the balancer", "10.0.0.5:5000", []string{"198.51.100.9"}, lb, "198.51.100.9"},
		{"a forged hop left of the real one is ignored", "10.0.0.5:5000", []string{"6.6.6.6, 198.51.100.9"}, lb, "198.51.100.9"},
		{"two trusted hops", "10.0.0.5:5000", []string{"198.51.100.9", "10.1.1.1"}, lb, "198.51.100.9"},
		{"garbage stops the walk at the last trusted hop", "10.0.0.5:5000", []string{"not-an-ip, 10.2.2.2"}, lb, "10.2.2.2"},
		{"no header: the balancer itself", "10.0.0.5:5000", nil, lb, "10.0.0.5"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, lb, "2001:db8::1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		got, viaProxy := clientIP(r, c.proxies)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		// Forwarding headers count only when the peer is a trusted proxy.
		if peer, _, _ := strings.Cut(strings.Trim(c.remote, "["), "]"); viaProxy != (c.proxies != nil && strings.HasPrefix(peer, "10.")) {
			t.Errorf("%s: viaProxy = %v", c.name, viaProxy)
		}
	}
}
