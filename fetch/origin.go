package fetch

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Origin is a URL's scheme, host and port, always with the port:
// "https://queue.fal.run:443". Two URLs are the same origin exactly when
// their Origins are equal.
type Origin string

// OriginOf is the origin of u; an absent port is the scheme's default.
func OriginOf(u *url.URL) Origin {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return Origin(scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port))
}

// ParseOrigin reads an origin as a setting names one: "scheme://host:port"
// (the port may be left to the scheme's default), http or https, nothing
// after the host.
func ParseOrigin(raw string) (Origin, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q is not http or https", u.Scheme)
	case u.Hostname() == "":
		return "", fmt.Errorf("no host")
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("an origin has nothing but scheme, host and port")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("port %q is out of range", p)
		}
	}
	return OriginOf(u), nil
}
