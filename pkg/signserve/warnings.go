package signserve

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/wwcli/wwcli/pkg/jssdk"
)

// maxLandingOrigins bounds the landing-URL memory (one entry per page origin).
const maxLandingOrigins = 1000

// warnings says why the signature just made is likely not the one the
// page needs: pkg/jssdk's URL checks (fragment, non-ASCII, browser form)
// plus what only a server that sees the page's request can tell.
func (s *Server) warnings(kind Kind, res jssdk.Result, origin string, userAgent string) []string {
	var out []string
	for _, w := range res.Warnings {
		out = append(out, w.Message)
	}
	u, err := url.Parse(res.URL)
	if err != nil {
		return out
	}
	pageOrigin := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
	if origin != "" && !sameOrigin(origin, u) {
		out = append(out, fmt.Sprintf("a page of %s asked to sign a URL of %s: the signature must be over the page's own "+
			"location.href (the url the ww.register callback receives)", origin, pageOrigin))
	}
	host := strings.ToLower(u.Hostname())
	if strings.EqualFold(u.Scheme, "http") && !isLocal(host) {
		// The scheme is part of the signed text (DOC 90506, JS-SDK 签名算法).
		out = append(out, fmt.Sprintf("the URL is http://: if the page is served over https, sign https://%s... instead "+
			"(the scheme is part of the signed URL)", u.Host))
	}
	// A local dev page is expected to be off the trusted domain; a public
	// host that is not it is a likely mistake.
	if len(s.opts.TrustedDomains) > 0 && !isLocal(host) && !underTrustedDomain(host, s.opts.TrustedDomains) {
		// JS-SDK calls work only on pages of the app's trusted domains,
		// sub-domains included (DOC 90547).
		out = append(out, fmt.Sprintf("%s is not the app's trusted domain (%s): the signature is right, but WeCom refuses "+
			"ww.register on pages of other domains", host, strings.Join(s.opts.TrustedDomains, ", ")))
	}
	if landing := s.landingURL(pageOrigin+" "+clip(userAgent, 256), res.URL); landing != res.URL && landingRuleApplies(kind, userAgent) {
		// iOS keeps the landing URL after history.pushState, and the SDK
		// in WeChat on phones signs the corp config for it (@wecom/jssdk
		// 2.4.4 originalHref; docs/jssdk-signing.md trap 5).
		out = append(out, fmt.Sprintf("this iOS / WeChat-on-phone page first asked for %s: if it reached %s by "+
			"history.pushState, the client checks the landing URL, so sign the landing URL "+
			"(or reload the page on the new route)", landing, res.URL))
	}
	return out
}

// landingURL returns the first URL signed for a page (its origin and the
// browser's User-Agent), remembering u when it is the first.
func (s *Server) landingURL(origin, u string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if first, ok := s.landing[origin]; ok {
		return first
	}
	if len(s.landing) < maxLandingOrigins {
		s.landing[origin] = u
	}
	return u
}

// landingRuleApplies: the page runs on iOS (any app), or in WeChat on a
// phone for the corp config.
func landingRuleApplies(kind Kind, ua string) bool {
	if strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod") {
		return true
	}
	wechatPhone := strings.Contains(ua, "MicroMessenger") && !strings.Contains(ua, "wxwork") &&
		!strings.Contains(ua, "Windows") && !strings.Contains(ua, "Macintosh")
	return wechatPhone && kind == KindCorp
}

func sameOrigin(origin string, u *url.URL) bool {
	o, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return strings.EqualFold(o.Scheme, u.Scheme) && strings.EqualFold(hostPort(o), hostPort(u))
}

// hostPort is the host with its port, the default port removed.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == defaultPort(strings.ToLower(u.Scheme)) {
		port = ""
	}
	if port == "" {
		return u.Hostname()
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func isLocal(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate())
}

func underTrustedDomain(host string, domains []string) bool {
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if h, _, err := net.SplitHostPort(d); err == nil {
			d = h // a redirect_domain may carry a port
		}
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}
