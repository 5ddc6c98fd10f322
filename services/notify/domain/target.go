package domain

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// TargetPolicy decides which URLs a webhook may name and which addresses
// a delivery may connect to (server-side request forgery). Public
// addresses are allowed (unless AllowPublic is off); loopback, private,
// link-local, unique-local, multicast, unspecified, shared (CGNAT),
// reserved and cloud metadata addresses only when the allow-list names
// the host or a network holding the address. The check runs on the URL
// when a subscription is made and again on every address actually dialled
// (so DNS rebinding cannot slip a private address in between).
type TargetPolicy struct {
	nets  []netip.Prefix
	hosts map[string]bool
	// AllowPublic permits public addresses that the allow-list does not
	// name; off, only allow-listed targets are reached.
	AllowPublic bool
}

// ParseTargetPolicy reads allow-list entries (AIDFLOW_WEBHOOK_ALLOW): an
// IP address, a CIDR network, or a host name (exact, case-insensitive).
func ParseTargetPolicy(entries []string, allowPublic bool) (TargetPolicy, error) {
	p := TargetPolicy{hosts: map[string]bool{}, AllowPublic: allowPublic}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if pfx, err := netip.ParsePrefix(e); err == nil {
			p.nets = append(p.nets, pfx.Masked())
			continue
		}
		if a, err := netip.ParseAddr(e); err == nil {
			p.nets = append(p.nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		if strings.ContainsAny(e, "/:@ ") {
			return TargetPolicy{}, fmt.Errorf("%q is neither an address, a CIDR network nor a host name", e)
		}
		p.hosts[strings.ToLower(strings.TrimSuffix(e, "."))] = true
	}
	return p, nil
}

// special are ranges a webhook never reaches unless allow-listed, beyond
// what netip classifies (loopback, private, link-local, multicast,
// unspecified).
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed a private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"), // documentation
	netip.MustParsePrefix("2002::/16"),     // 6to4: may embed a private IPv4
	netip.MustParsePrefix("fc00::/7"),      // unique local (fd00:ec2::254, a metadata address)
}

// Restricted reports whether an address is one a webhook may reach only
// when allow-listed, and says what it is.
func Restricted(a netip.Addr) (bool, string) {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return true, "not an address"
	case a.IsLoopback():
		return true, "a loopback address"
	case a.IsUnspecified():
		return true, "the unspecified address"
	case a == netip.MustParseAddr("169.254.169.254"):
		return true, "a cloud metadata address"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return true, "a link-local address"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return true, "a multicast address"
	case a.IsPrivate():
		return true, "a private address"
	}
	for _, p := range special {
		if p.Contains(a) {
			return true, "a reserved or internal address (" + p.String() + ")"
		}
	}
	return false, ""
}

// Listed reports whether host (a name) is on the allow-list.
func (p TargetPolicy) Listed(host string) bool {
	return p.hosts[strings.ToLower(strings.TrimSuffix(host, "."))]
}

// CheckAddr decides whether a delivery to host may connect to a. A host
// on the allow-list may resolve to any address; otherwise a restricted
// address must be inside an allow-listed network.
func (p TargetPolicy) CheckAddr(host string, a netip.Addr) error {
	a = a.Unmap()
	if p.Listed(host) {
		return nil
	}
	for _, n := range p.nets {
		if n.Contains(a) {
			return nil
		}
	}
	if bad, what := Restricted(a); bad {
		return fmt.Errorf("%s is %s; webhooks may not reach it unless AIDFLOW_WEBHOOK_ALLOW lists it", a, what)
	}
	if !p.AllowPublic {
		return fmt.Errorf("%s is not on the allow-list (AIDFLOW_WEBHOOK_ALLOW), and only allow-listed targets are reached", a)
	}
	return nil
}

// CheckURL validates a webhook URL: http or https, a host, no user
// information, no fragment, and, where the host is an address (or
// "localhost"), one the policy allows. Names are checked again, resolved,
// at every delivery.
func (p TargetPolicy) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("is not a URL: %v", cleanURLError(err))
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("must be an https:// (or http://) URL")
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("must name a host")
	case u.User != nil:
		return nil, fmt.Errorf("must not carry a user name or password; the signature authenticates deliveries")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("must not have a #fragment")
	}
	if port := u.Port(); port != "" {
		if _, err := net.LookupPort("tcp", port); err != nil || port == "0" {
			return nil, fmt.Errorf("has an invalid port %q", port)
		}
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if err := p.CheckAddr(host, a); err != nil {
			return nil, err
		}
		return u, nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); (h == "localhost" || strings.HasSuffix(h, ".localhost")) && !p.Listed(host) {
		if err := p.CheckAddr(host, netip.MustParseAddr("127.0.0.1")); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// cleanURLError drops the URL from url.Parse's error: it is the caller's
// input and is said back to them by field already.
func cleanURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
