package fetch

import (
	"net/netip"
	"testing"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.215.14":          true,
		"8.8.8.8":                true,
		"2606:4700:4700::1111":   true,
		"::ffff:8.8.8.8":         true, // mapped public
		"2002:808:808::1":        true, // 6to4 of a public address
		"64:ff9b::808:808":       true, // NAT64 of a public address
		"127.0.0.1":              false,
		"127.255.255.254":        false,
		"0.0.0.0":                false,
		"10.1.2.3":               false,
		"172.16.0.1":             false,
		"172.31.255.255":         false,
		"192.168.1.1":            false,
		"100.64.0.1":             false, // CGNAT
		"169.254.169.254":        false, // cloud metadata
		"192.0.0.192":            false,
		"198.18.0.1":             false,
		"224.0.0.1":              false,
		"239.255.255.250":        false,
		"255.255.255.255":        false,
		"::":                     false,
		"::1":                    false,
		"fc00::1":                false,
		"fd12:3456::1":           false,
		"fe80::1":                false,
		"fe80::1%eth0":           false,
		"ff02::1":                false,
		"2001:db8::1":            false,
		"2001::1":                false, // Teredo
		"::ffff:127.0.0.1":       false, // IPv4-mapped loopback
		"::ffff:169.254.169.254": false,
		"::127.0.0.1":            false, // IPv4-compatible loopback
		"::ffff:0:10.0.0.1":      false, // IPv4-translated private
		"64:ff9b::7f00:1":        false, // NAT64 of loopback
		"64:ff9b:1::a00:1":       false, // local-use NAT64
		"2002:7f00:1::1":         false, // 6to4 of loopback
		"2002:a9fe:a9fe::1":      false, // 6to4 of the metadata address
		"172.15.255.255":         true,  // just outside 172.16.0.0/12
		"172.32.0.0":             true,
		"100.128.0.1":            true, // just outside CGNAT
		"2001:200::1":            true, // first block after 2001::/23
	} {
		a := netip.MustParseAddr(addr)
		if got := public(a); got != want {
			t.Errorf("public(%s) = %v, want %v", addr, got, want)
		}
	}
	if public(netip.Addr{}) {
		t.Error("the zero address is public")
	}
}

func TestParseOrigin(t *testing.T) {
	for raw, want := range map[string]Origin{
		"https://Storage.Example:9000": "https://storage.example:9000",
		"http://10.0.0.5:8080/":        "http://10.0.0.5:8080",
		"https://cdn.example":          "https://cdn.example:443",
		"http://[::1]:9000":            "http://[::1]:9000",
	} {
		if got, err := ParseOrigin(raw); err != nil || got != want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{
		"", "storage.example:9000", "ftp://storage.example", "https://", "https://storage.example/path",
		"https://user@storage.example", "https://storage.example?x=1", "https://storage.example:0", "https://storage.example:99999",
		"https://storage.example:port",
	} {
		if got, err := ParseOrigin(raw); err == nil {
			t.Errorf("ParseOrigin(%q) = %q, want an error", raw, got)
		}
	}
}
