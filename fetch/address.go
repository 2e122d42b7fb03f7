package fetch

import (
	"fmt"
	"net/netip"
	"syscall"
)

// nonPublic are the networks a fetch never connects to unless its origin
// is admitted: IANA's special-purpose address registries, whole blocks
// even where a few of their addresses are globally reachable (nothing
// Velro fetches lives there).
var nonPublic = prefixes(
	"0.0.0.0/8",       // "this network", unspecified
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // carrier-grade NAT
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments (some clouds' metadata)
	"192.0.2.0/24",    // documentation
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, limited broadcast
	"::/128",          // unspecified
	"::1/128",         // loopback
	"64:ff9b:1::/48",  // local-use NAT64
	"100::/64",        // discard-only
	"2001::/23",       // IETF protocol assignments: Teredo, benchmarking, ORCHID
	"2001:db8::/32",   // documentation
	"3fff::/20",       // documentation
	"5f00::/16",       // segment routing
	"fc00::/7",        // unique local (private)
	"fe80::/10",       // link-local
	"fec0::/10",       // site-local (deprecated)
	"ff00::/8",        // multicast
)

// embedsIPv4 are IPv6 networks whose addresses carry an IPv4 address that
// translation or tunnelling reaches: bytes [from, from+4) of the address.
// ::ffff:0:0/96 (IPv4-mapped) needs none: Unmap turns it into IPv4.
var embedsIPv4 = []struct {
	prefix netip.Prefix
	from   int
}{
	{netip.MustParsePrefix("::/96"), 12},           // IPv4-compatible (deprecated)
	{netip.MustParsePrefix("::ffff:0:0:0/96"), 12}, // IPv4-translated (SIIT)
	{netip.MustParsePrefix("64:ff9b::/96"), 12},    // NAT64 well-known prefix
	{netip.MustParsePrefix("2002::/16"), 2},        // 6to4
}

func prefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// public reports whether a is an address a fetch may connect to: not in
// any network above, directly or as the IPv4 address an IPv6 one carries.
func public(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" { // zones only scope link-local addresses
		return false
	}
	a = a.Unmap()
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	for _, e := range embedsIPv4 {
		if e.prefix.Contains(a) {
			b := a.As16()
			return public(netip.AddrFrom4([4]byte(b[e.from : e.from+4])))
		}
	}
	return true
}

// refuseNonPublic is the dialer's Control hook: it runs on the address
// being connected to, after name resolution, so a name that resolves (or
// later re-resolves) to an internal address is refused too.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !public(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address", ErrRefused, address)
	}
	return nil
}
