package cmd

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// sandboxScriptCommands are testscript commands that run a WeCom sandbox
// (pkg/sandbox) inside the test process for one script:
//
//	sandbox-start [--token-ttl 2h] [--trusted-ip IP]... [--fixtures FILE]
//	    start a sandbox on 127.0.0.1:0, stopped when the script ends. Sets
//	    WWCLI_BASE_URL and SANDBOX_URL to its base URL, and SANDBOX_CORPID,
//	    SANDBOX_SECRET (app 1), SANDBOX_AGENTID, SANDBOX_SECRET2 (app 2),
//	    SANDBOX_CONTACT_SECRET, SANDBOX_MP_SECRET for the demo corp.
//	sandbox-count PATH N
//	    assert the sandbox saw exactly N requests to PATH (e.g. /cgi-bin/gettoken);
//	    `! sandbox-count PATH N` asserts any other number.
//	sandbox-code USERID [--scope snsapi_privateinfo] [--agentid N] [--miniprogram] [--env NAME]
//	    issue a single-use OAuth (or mini-program) code for a member into $CODE (or $NAME).
//	sandbox-token [--secret S] [--env NAME]
//	    fetch an access_token (default: app 1's secret) into $TOKEN (or $NAME).
//	sandbox-get PATH?QUERY / sandbox-post PATH?QUERY JSON
//	    call the sandbox directly; the response body goes to stdout.
//	sandbox-fault PATH ERRCODE [--times N] [--http-status S] [--delay D] [--errmsg TEXT]
//	    make the next N (default 1, -1 = all) requests to PATH fail; ERRCODE 0 with
//	    --http-status gives a bare HTTP error, with --delay only a slow answer.
//	sandbox-clock DURATION
//	    move the sandbox clock forward (expire tokens with 2h, codes with 301s).
//	sandbox-messages N
//	    assert message/send accepted exactly N messages; their JSON goes to stdout.
//	sandbox-suite ACTION [--suite ID] [--corpid C] [--env NAME]  (third-party apps; the
//	    default suite is the demo suite; SANDBOX_SUITE_ID, SANDBOX_SUITE_SECRET,
//	    SANDBOX_TEMPLATE_ID, SANDBOX_TEMPLATE_SECRET, SANDBOX_PROVIDER_CORPID and
//	    SANDBOX_PROVIDER_SECRET are set by sandbox-start). A push's result goes to
//	    stdout as JSON; an error (to stderr) or a failed push fails the command, and
//	    `!` asserts one of them.
//	  sandbox-suite ticket                  a new suite_ticket into $SUITE_TICKET, pushed
//	                                        when a callback URL is set
//	  sandbox-suite token                   a suite_access_token into $SUITE_TOKEN
//	  sandbox-suite install                 the whole install: $PERMANENT_CODE, $AUTH_CORPID
//	  sandbox-suite callback URL [--verify] set the instruction callback URL (a push at once);
//	                                        --verify first checks it like the console (GET
//	                                        echostr for receive id = the provider corp id)
//	  sandbox-suite authorize [INSTALL_URL] [--pre-auth-code C] [--state S]
//	                                        the admin finishes the install page: auth_code
//	                                        into $AUTH_CODE, the redirect URI to stdout
//	  sandbox-suite code USERID [--scope S] a getuserinfo3rd code into $SUITE_CODE
//	  sandbox-suite change | cancel         push change_auth / uninstall (cancel_auth)
//	  sandbox-suite reset-code              代开发 "重新获取secret": reset_permanent_code's
//	                                        auth code into $AUTH_CODE
func sandboxScriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"sandbox-start":    sandboxStart,
		"sandbox-count":    sandboxCount,
		"sandbox-code":     sandboxCode,
		"sandbox-token":    sandboxToken,
		"sandbox-get":      func(ts *testscript.TestScript, neg bool, args []string) { sandboxCall(ts, neg, http.MethodGet, args) },
		"sandbox-post":     func(ts *testscript.TestScript, neg bool, args []string) { sandboxCall(ts, neg, http.MethodPost, args) },
		"sandbox-fault":    sandboxFault,
		"sandbox-clock":    sandboxClock,
		"sandbox-messages": sandboxMessages,
		"sandbox-suite":    sandboxSuite,
	}
}

// scriptSandboxes maps each running script to its sandbox (scripts run in parallel).
var scriptSandboxes sync.Map // *testscript.TestScript -> *sandbox.Server

func scriptSandbox(ts *testscript.TestScript) *sandbox.Server {
	v, ok := scriptSandboxes.Load(ts)
	if !ok {
		ts.Fatalf("no sandbox: run sandbox-start first")
	}
	return v.(*sandbox.Server)
}

func noNeg(ts *testscript.TestScript, neg bool, name string) {
	if neg {
		ts.Fatalf("%s does not support !", name)
	}
}

func parseFlags(ts *testscript.TestScript, name string, args []string, define func(*flag.FlagSet)) []string {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	// Flags may come before or after the positional arguments.
	var positional []string
	for {
		// A negative number (errcode -1) is an argument, not a flag.
		for len(args) > 0 && isNegativeInt(args[0]) {
			positional, args = append(positional, args[0]), args[1:]
		}
		if err := fs.Parse(args); err != nil {
			ts.Fatalf("%s: %v", name, err)
		}
		if fs.NArg() == 0 {
			return positional
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func isNegativeInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && strings.HasPrefix(s, "-")
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func sandboxStart(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-start")
	var ttl time.Duration
	var fixtures string
	var trusted stringList
	rest := parseFlags(ts, "sandbox-start", args, func(fs *flag.FlagSet) {
		fs.DurationVar(&ttl, "token-ttl", 0, "")
		fs.StringVar(&fixtures, "fixtures", "", "")
		fs.Var(&trusted, "trusted-ip", "")
	})
	if len(rest) > 0 {
		ts.Fatalf("usage: sandbox-start [--token-ttl D] [--trusted-ip IP]... [--fixtures FILE]")
	}
	if _, running := scriptSandboxes.Load(ts); running {
		ts.Fatalf("sandbox-start: a sandbox is already running in this script")
	}
	opts := sandbox.Options{TokenTTL: ttl, TrustedIPs: trusted}
	if fixtures != "" {
		f, err := os.Open(ts.MkAbs(fixtures))
		ts.Check(err)
		fx, err := sandbox.LoadFixtures(f)
		f.Close()
		ts.Check(err)
		opts.Fixtures = fx
	}
	srv := sandbox.New(opts)
	base, err := srv.Start("127.0.0.1:0")
	ts.Check(err)
	scriptSandboxes.Store(ts, srv)
	ts.Defer(func() {
		scriptSandboxes.Delete(ts)
		_ = srv.Close()
	})
	ts.Setenv("WWCLI_BASE_URL", base)
	ts.Setenv("SANDBOX_URL", base)
	if opts.Fixtures == nil {
		ts.Setenv("SANDBOX_CORPID", sandbox.DemoCorpID)
		ts.Setenv("SANDBOX_SECRET", sandbox.DemoAppSecret)
		ts.Setenv("SANDBOX_AGENTID", strconv.Itoa(sandbox.DemoAgentID))
		ts.Setenv("SANDBOX_SECRET2", sandbox.DemoApp2Secret)
		ts.Setenv("SANDBOX_CONTACT_SECRET", sandbox.DemoContactSecret)
		ts.Setenv("SANDBOX_MP_SECRET", sandbox.DemoMiniProgramSecret)
		ts.Setenv("SANDBOX_SUITE_ID", sandbox.DemoSuiteID)
		ts.Setenv("SANDBOX_SUITE_SECRET", sandbox.DemoSuiteSecret)
		ts.Setenv("SANDBOX_TEMPLATE_ID", sandbox.DemoTemplateID)
		ts.Setenv("SANDBOX_TEMPLATE_SECRET", sandbox.DemoTemplateSecret)
		ts.Setenv("SANDBOX_PROVIDER_CORPID", sandbox.DemoProviderCorpID)
		ts.Setenv("SANDBOX_PROVIDER_SECRET", sandbox.DemoProviderSecret)
	} else {
		ts.Setenv("SANDBOX_CORPID", opts.Fixtures.Corps[0].CorpID)
	}
}

func sandboxCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sandbox-count PATH N")
	}
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("sandbox-count: N must be an integer, got %q", args[1])
	}
	got := scriptSandbox(ts).Count(args[0])
	if neg && got == want {
		ts.Fatalf("sandbox saw %d requests to %s, want any other number", got, args[0])
	}
	if !neg && got != want {
		ts.Fatalf("sandbox saw %d requests to %s, want %d", got, args[0], want)
	}
}

func sandboxCode(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-code")
	var req sandbox.CodeRequest
	var mini bool
	envName := "CODE"
	rest := parseFlags(ts, "sandbox-code", args, func(fs *flag.FlagSet) {
		fs.StringVar(&req.Scope, "scope", "", "")
		fs.Int64Var(&req.AgentID, "agentid", 0, "")
		fs.BoolVar(&mini, "miniprogram", false, "")
		fs.StringVar(&envName, "env", envName, "")
	})
	if len(rest) != 1 {
		ts.Fatalf("usage: sandbox-code USERID [--scope S] [--agentid N] [--miniprogram] [--env NAME]")
	}
	req.UserID = rest[0]
	if mini {
		req.Type = "miniprogram"
	}
	code, err := scriptSandbox(ts).IssueCode(req)
	ts.Check(err)
	ts.Setenv(envName, code)
}

func sandboxToken(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-token")
	secret, envName := "", "TOKEN"
	rest := parseFlags(ts, "sandbox-token", args, func(fs *flag.FlagSet) {
		fs.StringVar(&secret, "secret", sandbox.DemoAppSecret, "")
		fs.StringVar(&envName, "env", envName, "")
	})
	if len(rest) != 0 {
		ts.Fatalf("usage: sandbox-token [--secret S] [--env NAME]")
	}
	scriptSandbox(ts)
	body := scriptHTTP(ts, http.MethodGet, ts.Getenv("SANDBOX_URL")+"/cgi-bin/gettoken?corpid="+
		ts.Getenv("SANDBOX_CORPID")+"&corpsecret="+secret, "")
	_, after, ok := strings.Cut(body, `"access_token":"`)
	token, _, ok2 := strings.Cut(after, `"`)
	if !ok || !ok2 || token == "" {
		ts.Fatalf("sandbox-token: gettoken answered %s", body)
	}
	ts.Setenv(envName, token)
}

func sandboxCall(ts *testscript.TestScript, neg bool, method string, args []string) {
	noNeg(ts, neg, "sandbox-"+strings.ToLower(method))
	if (method == http.MethodGet && len(args) != 1) || (method == http.MethodPost && len(args) != 2) {
		ts.Fatalf("usage: sandbox-get PATH?QUERY | sandbox-post PATH?QUERY JSON")
	}
	scriptSandbox(ts)
	body := ""
	if len(args) == 2 {
		body = args[1]
	}
	fmt.Fprint(ts.Stdout(), scriptHTTP(ts, method, ts.Getenv("SANDBOX_URL")+args[0], body))
}

var scriptClient = &http.Client{Timeout: 30 * time.Second}

func scriptHTTP(ts *testscript.TestScript, method, url, body string) string {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	ts.Check(err)
	resp, err := scriptClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	ts.Check(err)
	return string(data)
}

func sandboxFault(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-fault")
	var f sandbox.Fault
	rest := parseFlags(ts, "sandbox-fault", args, func(fs *flag.FlagSet) {
		fs.IntVar(&f.Times, "times", 0, "")
		fs.IntVar(&f.HTTPStatus, "http-status", 0, "")
		fs.DurationVar(&f.Delay, "delay", 0, "")
		fs.StringVar(&f.ErrMsg, "errmsg", "", "")
	})
	if len(rest) != 2 {
		ts.Fatalf("usage: sandbox-fault PATH ERRCODE [--times N] [--http-status S] [--delay D] [--errmsg TEXT]")
	}
	code, err := strconv.Atoi(rest[1])
	if err != nil {
		ts.Fatalf("sandbox-fault: ERRCODE must be an integer, got %q", rest[1])
	}
	f.Path, f.ErrCode = rest[0], code
	ts.Check(scriptSandbox(ts).InjectFault(f))
}

func sandboxClock(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-clock")
	if len(args) != 1 {
		ts.Fatalf("usage: sandbox-clock DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d <= 0 {
		ts.Fatalf("sandbox-clock: %q is not a positive duration such as 2h", args[0])
	}
	scriptSandbox(ts).Advance(d)
}

func sandboxMessages(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sandbox-messages")
	if len(args) != 1 {
		ts.Fatalf("usage: sandbox-messages N")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("sandbox-messages: N must be an integer, got %q", args[0])
	}
	msgs := scriptSandbox(ts).Messages()
	for _, m := range msgs {
		fmt.Fprintf(ts.Stdout(), "%s\n", m.Body)
	}
	if len(msgs) != want {
		ts.Fatalf("sandbox accepted %d messages, want %d", len(msgs), want)
	}
}
