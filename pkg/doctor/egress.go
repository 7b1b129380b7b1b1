package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/check"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/errcode"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Names of the egress checks (`wwcli doctor --egress`).
const (
	CheckEgressIP       = "egress IP"
	CheckEgressAccepted = "calls from this IP"
)

// Acceptance of the egress IP by WeCom.
const (
	Accepted    = "yes"     // a call that uses the token was answered
	NotAccepted = "no"      // 60020: the IP is not in the app's 企业可信IP
	Unknown     = "unknown" // no credentials, or WeCom answered something else
)

// egressPath is the cheap call both probes make: it returns the resolved
// IPs of the API host (DOC 97073) and needs an access_token, so without
// one WeCom answers 41001 with the caller's IP in errmsg, and with one
// WeCom judges the IP as it does for the calls that use a token of an app
// with 企业可信IP (60020, DOC 90313). It costs none of the quota that
// gettoken and the tickets have (jsapi_ticket: 400 an hour per corp).
const egressPath = "/cgi-bin/get_api_domain_ip"

// EgressReport is `wwcli doctor --egress`: the IP WeCom sees and whether
// it takes calls from it; also the --json document.
type EgressReport struct {
	OK bool `json:"ok"`
	// IP is the "from ip" of WeCom's errmsg ("<text>, hint: [...], from
	// ip: <ip>, more info at ...", as in DOC 97073's example and the 60020
	// answers users report); "" when it named none (also observed).
	IP       string  `json:"ip"`
	Accepted string  `json:"accepted"` // yes, no or unknown
	Checks   []Check `json:"checks"`
}

// RunEgress finds the egress IP with a call that needs no credentials,
// then, when credentials are there, whether WeCom accepts calls from it.
// It fails (OK false) when WeCom cannot be reached or refuses the IP.
func RunEgress(ctx context.Context, env Env) EgressReport {
	if env.Timeout <= 0 {
		env.Timeout = 10 * time.Second
	}
	d := &doctor{env: env}
	rep := EgressReport{Accepted: Unknown}
	creds, credErr := env.Credentials(ctx)
	base, err := env.BaseURL(creds)
	if err != nil {
		d.add(Check{Name: CheckEgressIP, Status: check.Fail, Detail: err.Error()})
		rep.Checks = d.checks
		return rep
	}

	d.start(CheckEgressIP)
	ip, reached := d.probeEgressIP(ctx, base)
	rep.IP = ip

	d.start(CheckEgressAccepted)
	switch {
	case !reached:
		d.add(Check{Name: CheckEgressAccepted, Status: check.Skip, Detail: "needs an answer from WeCom"})
	case credErr != nil:
		detail, _, _ := strings.Cut(credErr.Error(), "\n")
		d.add(Check{Name: CheckEgressAccepted, Status: check.Warn, Detail: "not checked without credentials: " + detail,
			Fix: "give credentials (WWCLI_CORP_ID + WWCLI_SECRET, a profile, or CORPID SECRET) to check that WeCom accepts calls from this IP"})
	default:
		rep.Accepted, rep.IP = d.probeAccepted(ctx, creds, rep.IP)
	}
	rep.Checks = d.checks
	rep.OK = true
	for _, c := range d.checks {
		if c.Status == check.Fail {
			rep.OK = false
		}
	}
	return rep
}

// probeEgressIP calls egressPath without a token: WeCom's 41001 answer
// names the caller's IP.
func (d *doctor) probeEgressIP(ctx context.Context, base string) (ip string, reached bool) {
	client := wecom.New(base, d.env.HTTPClient)
	pctx, cancel := context.WithTimeout(ctx, d.env.Timeout)
	defer cancel()
	_, err := client.Do(pctx, wecom.Request{Method: http.MethodGet, Path: egressPath}, nil)
	var apiErr *wecom.APIError
	if !errors.As(err, &apiErr) {
		detail := "WeCom answered without an error, so it named no IP"
		if err != nil {
			detail = err.Error()
		}
		d.add(Check{Name: CheckEgressIP, Status: check.Fail, Detail: detail,
			Fix: "check the network and --base-url (wwcli doctor checks the API host)"})
		return "", err == nil
	}
	ip = errcode.Explain(apiErr.Code, apiErr.Msg).FromIP
	if ip == "" {
		d.add(Check{Name: CheckEgressIP, Status: check.Warn, Detail: fmt.Sprintf("WeCom answered errcode %d without a from ip", apiErr.Code),
			Fix: "WeCom sometimes leaves \"from ip:\" empty; try again, or read the IP in the 60020 answer of a real call"})
		return "", true
	}
	d.add(Check{Name: CheckEgressIP, Status: check.Pass, Detail: fmt.Sprintf("WeCom sees this machine as %s (from ip of errcode %d)", ip, apiErr.Code)})
	return ip, true
}

// probeAccepted makes the same call with a token. It returns the
// acceptance and the IP (a 60020 answer names it again).
func (d *doctor) probeAccepted(ctx context.Context, creds credentials.Credentials, ip string) (string, string) {
	s, err := d.env.Session(creds)
	if err != nil {
		d.add(Check{Name: CheckEgressAccepted, Status: check.Fail, Detail: err.Error()})
		return Unknown, ip
	}
	pctx, cancel := context.WithTimeout(ctx, 2*d.env.Timeout) // gettoken, then the call
	defer cancel()
	_, err = s.Call(pctx, wecom.Request{Method: http.MethodGet, Path: egressPath}, nil)
	var apiErr *wecom.APIError
	switch {
	case err == nil:
		who := "this machine"
		if ip != "" {
			who = ip
		}
		d.add(Check{Name: CheckEgressAccepted, Status: check.Pass, Detail: "WeCom accepts calls from " + who + " (corp " + creds.CorpID + ")"})
		return Accepted, ip
	case errors.As(err, &apiErr) && apiErr.Code == 60020:
		if from := errcode.Explain(apiErr.Code, apiErr.Msg).FromIP; from != "" {
			ip = from
		}
		d.add(Check{Name: CheckEgressAccepted, Status: check.Fail, Detail: "WeCom refuses calls from " + orThisMachine(ip) + " (60020)",
			Fix:  "add " + orThisMachine(ip) + " to 管理后台 → 应用管理 → the app → 企业可信IP (third-party apps: the provider's IP白名单); it takes effect after about a minute",
			More: "https://open.work.weixin.qq.com/devtool/query?e=60020"})
		return NotAccepted, ip
	default:
		// gettoken or the call failed otherwise: the IP was not judged.
		d.failWith(CheckEgressAccepted, err)
		return Unknown, ip
	}
}

func orThisMachine(ip string) string {
	if ip == "" {
		return "this machine's IP"
	}
	return ip
}
