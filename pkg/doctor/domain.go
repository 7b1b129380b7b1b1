package doctor

import (
	"context"
	"net"
	"strings"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/domaincheck"
)

// checkDomain runs verify-domain's own DNS, connect and TLS steps against
// the trusted domain: it must resolve to public addresses (WeCom and the
// users' phones reach it over the internet), and JS-SDK pages want https.
// The file check itself needs the WW_verify_ name that only the admin
// console shows, so it is left to `wwcli verify-domain`.
func (d *doctor) checkDomain(ctx context.Context, domain string) {
	d.start(CheckDomain)
	host, port, err := domaincheck.ParseHost(domain)
	if err != nil {
		d.add(Check{Name: CheckDomain, Status: check.Fail, Detail: err.Error(), Fix: "give --domain the host name only, e.g. --domain app.example.com"})
		return
	}
	ctx, cancel := context.WithTimeout(ctx, d.env.Timeout)
	defer cancel()
	cfg := &domaincheck.Config{Host: host, Port: port, Timeout: d.env.Timeout, Resolver: d.env.Resolver, RootCAs: d.env.RootCAs}
	ips, dns := domaincheck.Resolve(ctx, cfg)
	switch {
	case ips == nil:
		d.add(Check{Name: CheckDomain, Status: check.Fail, Detail: dns.Detail, Fix: "the trusted domain must resolve publicly; check its DNS records"})
		return
	case dns.Level != check.Pass:
		// verify-domain only warns (it also checks test servers); a trusted
		// domain that resolves to private addresses cannot work at all.
		d.add(Check{Name: CheckDomain, Status: check.Fail, Detail: dns.Detail, Fix: "set the public domain your users open as the trusted domain (可信域名)"})
		return
	}
	status, detail, fix := check.Pass, dns.Detail, ""
	if net.ParseIP(host) != nil {
		status, fix = check.Warn, "WeCom trusted domains are host names, not IP addresses"
	}
	if port == "" {
		port = domaincheck.DefaultPort("https")
	}
	conn, connected := domaincheck.Connect(ctx, cfg, ips, port)
	switch {
	case conn == nil:
		status, detail, fix = check.Warn, detail+"; https: "+connected.Detail, "JS-SDK pages and OAuth redirects are usually served over https: check that port "+port+" is open"
	default:
		defer conn.Close()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		tconn, tlsCheck := domaincheck.Handshake(ctx, cfg, conn)
		if tconn == nil {
			status, detail = check.Warn, detail+"; https: "+strings.TrimSuffix(tlsCheck.Detail, domaincheck.InsecureHint)
			fix = "WeCom and the browsers of your users reject this certificate: renew it, or serve the full chain"
		} else {
			detail += "; https: " + tlsCheck.Detail
		}
	}
	d.add(Check{Name: CheckDomain, Status: status, Detail: detail, Fix: fix})
	d.add(Check{Name: CheckDomainFile, Status: check.Skip,
		Detail: "needs the WW_verify_XXXXXXXXXXXXXXXX.txt name shown in the admin console",
		Fix:    "run: wwcli verify-domain " + domain + " --name WW_verify_XXXXXXXXXXXXXXXX.txt (or --file PATH)"})
}
