package cmd

import (
	"strings"
	"testing"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// `wwcli sign` without --ticket signs with the same cached ticket that
// `wwcli ticket` prints (corp, or app with --agent), fetching nothing new.
func TestSignWithoutTicketUsesCachedTicket(t *testing.T) {
	p := newInProcess(t, map[string]string{"WWCLI_KEYRING": "off",
		"WWCLI_CORP_ID": sandbox.DemoCorpID, "WWCLI_SECRET": sandbox.DemoAppSecret, "WWCLI_AGENT_ID": "1000002"})
	srv := p.srv
	run := func(args ...string) string {
		t.Helper()
		code, out, errOut := p.run("", args...)
		if code != 0 {
			t.Fatalf("wwcli %v: exit %d: %s", args, code, errOut)
		}
		return strings.TrimSpace(out)
	}
	for _, kind := range [][]string{nil, {"--agent"}} {
		ticket := run(append([]string{"ticket"}, kind...)...)
		signArgs := append([]string{"sign", "--url", "https://example.com/page?a=1", "--nonce", "abc", "--timestamp", "1700000000"}, kind...)
		fetched := run(signArgs...)
		withTicket := run(append(signArgs, "--ticket", ticket)...)
		if fetched != withTicket {
			t.Fatalf("%v: sign without --ticket gave %s, with the cached ticket %s", kind, fetched, withTicket)
		}
	}
	if srv.Count("/cgi-bin/gettoken") != 1 || srv.Count("/cgi-bin/get_jsapi_ticket") != 1 || srv.Count("/cgi-bin/ticket/get") != 1 {
		t.Fatalf("sign must reuse the cache: %v", srv.Counters())
	}
}
