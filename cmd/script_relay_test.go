package cmd

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// relayScriptCommands run a relay (pkg/relay) inside the test process:
//
//	relay-start CLIENTS_FILE
//	    start a relay on 127.0.0.1:0 in front of the script's sandbox
//	    (sandbox-start first) for the demo app 1, stopped when the script
//	    ends. Sets RELAY_URL; its audit log goes to $WORK/relay-audit.jsonl.
//	    The script's own environment is not changed: set WWCLI_RELAY and
//	    WWCLI_RELAY_TOKEN per command, as a CI job would.
func relayScriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){"relay-start": relayStart}
}

func relayStart(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "relay-start")
	if len(args) != 1 {
		ts.Fatalf("usage: relay-start CLIENTS_FILE")
	}
	scriptSandbox(ts) // fails without one
	file, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	clients, err := relay.ParseClients(file)
	file.Close()
	ts.Check(err)
	env := map[string]string{"WWCLI_CACHE_DIR": ts.MkAbs("relay-cache"), "WWCLI_CONFIG_DIR": ts.MkAbs("relay-config"),
		"WWCLI_KEYRING": "off", "WWCLI_CORP_ID": sandbox.DemoCorpID, "WWCLI_SECRET": sandbox.DemoAppSecret,
		"WWCLI_AGENT_ID": strconv.Itoa(sandbox.DemoAgentID)}
	streams, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: streams, Getenv: func(k string) string { return env[k] }, Now: time.Now,
		Global: cmdutil.GlobalFlags{Timeout: 10 * time.Second, BaseURL: ts.Getenv("SANDBOX_URL")}}
	creds, err := f.ResolveCredentials(context.Background(), "relay", cmdutil.CredInput{})
	ts.Check(err)
	up, err := f.RelayUpstream(creds, false)
	ts.Check(err)
	audit, err := os.Create(ts.MkAbs("relay-audit.jsonl"))
	ts.Check(err)
	srv := relay.New(relay.Options{Clients: clients, Upstream: up, Audit: audit,
		Identity: relay.Identity{CorpID: creds.CorpID, AgentID: creds.AgentID}})
	server, err := serve.Listen(serve.Config{Addr: "127.0.0.1:0", Handler: srv.Handler()})
	ts.Check(err)
	server.Start()
	ts.Defer(func() {
		_ = server.Shutdown()
		srv.CloseAudit(time.Second)
		_ = audit.Close()
		f.Close()
	})
	base := server.URL()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		ts.Fatalf("relay-start: base URL %s", base)
	}
	ts.Setenv("RELAY_URL", base)
}
