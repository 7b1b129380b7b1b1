package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/internal/testutil"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/cmdutil/cmdutiltest"
	"github.com/wwcli/wwcli/pkg/iostreams"
	wwrelay "github.com/wwcli/wwcli/pkg/relay"
	"github.com/wwcli/wwcli/pkg/wecom"
)

const ciToken = "ci-token-0123456789abcdef"

func TestFlags(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	var got *Options
	cmd := NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--clients", "c.json", "--addr", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem",
		"--audit-log", "a.jsonl", "--max-body", "1024", "--max-in-flight", "4096", "--insecure-listen",
		"--allow-host", "relay.example.com", "--allow-host", "*.ci.example.com", "--secret-file", "s.txt", "--corp-id", "ww1"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Clients != "c.json" || got.Serve.Addr != "0.0.0.0:8443" || got.TLSCert != "c.pem" || got.TLSKey != "k.pem" ||
		got.AuditLog != "a.jsonl" || got.MaxBody != 1024 || got.MaxInFlight != 4096 || !got.Serve.InsecureListen ||
		strings.Join(got.Serve.AllowHosts, ",") != "relay.example.com,*.ci.example.com" ||
		got.Creds.SecretFile != "s.txt" || got.Creds.CorpID != "ww1" {
		t.Fatalf("options %+v", got)
	}
	cmd = NewCmd(h.F, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--clients", "c.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Serve.Addr != "127.0.0.1:0" || got.MaxBody != wwrelay.DefaultMaxBody || got.MaxInFlight != serve.DefaultBudget {
		t.Fatalf("defaults %+v", got)
	}
	cmd = NewCmd(h.F, func(context.Context, *Options) error { t.Fatal("ran without --clients"); return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--clients FILE is required") {
		t.Fatalf("no --clients: %v", err)
	}
}

// fakeUpstream must never be called by a relay that refused to start.
type fakeUpstream struct{ t *testing.T }

func (f fakeUpstream) Call(context.Context, wecom.Request) (json.RawMessage, error) {
	f.t.Error("called upstream")
	return nil, nil
}

func (f fakeUpstream) Ticket(context.Context, wecom.TicketKind) (string, int, error) {
	f.t.Error("called upstream")
	return "", 0, nil
}

// okUpstream is WeCom answering errcode 0 to everything.
type okUpstream struct{}

func (okUpstream) Call(context.Context, wecom.Request) (json.RawMessage, error) {
	return json.RawMessage(`{"errcode":0,"errmsg":"ok","name":"张三"}`), nil
}

func (okUpstream) Ticket(context.Context, wecom.TicketKind) (string, int, error) {
	return "ticket", 7200, nil
}

func clientsJSON(name, token string) string {
	return `{"clients":[{"name":"` + name + `","token_sha256":"` + wwrelay.HashToken(token) + `","paths":["/cgi-bin/*"]}]}`
}

// writeFile writes data with exactly mode (no umask).
func writeFile(t *testing.T, path, data string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// refusal is a setup run must refuse before listening: exit code and
// message.
type refusal struct {
	opts  Options
	setup func(t *testing.T, o *Options)
	code  int
	want  string
}

func TestRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "clients.json"), clientsJSON("ci", "t"), 0o600)
	bad := writeFile(t, filepath.Join(dir, "bad.json"), `{"clients":[{"name":"ci","token":"plain"}]}`, 0o600)
	checkRefusals(t, map[string]refusal{
		"plain http on every interface": {opts: Options{Serve: addr("0.0.0.0:0"), Clients: good}, code: cmdutil.ExitUsage, want: "--insecure-listen"},
		"no host":                       {opts: Options{Serve: addr(":8400"), Clients: good}, code: cmdutil.ExitUsage, want: "name the host"},
		"bad allow-host": {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good},
			setup: func(_ *testing.T, o *Options) { o.Serve.AllowHosts = []string{"https://relay.example.com"} }, code: cmdutil.ExitUsage, want: "--allow-host"},
		"cert without key":            {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good, TLSCert: "c.pem"}, code: cmdutil.ExitUsage, want: "go together"},
		"missing key file":            {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good, TLSCert: "c.pem", TLSKey: "k.pem"}, code: cmdutil.ExitUsage, want: "--tls-key"},
		"no clients file":             {opts: Options{Serve: addr("127.0.0.1:0"), Clients: filepath.Join(dir, "none.json")}, code: cmdutil.ExitUsage, want: "--clients"},
		"plain token in clients file": {opts: Options{Serve: addr("127.0.0.1:0"), Clients: bad}, code: cmdutil.ExitUsage, want: "store only its hash"},
		"zero max body":               {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good}, setup: func(_ *testing.T, o *Options) { o.MaxBody = 0 }, code: cmdutil.ExitUsage, want: "--max-body"},
		"budget below max body": {opts: Options{Serve: addr("127.0.0.1:0"), Clients: good},
			setup: func(_ *testing.T, o *Options) { o.MaxInFlight = 1 << 20 }, code: cmdutil.ExitUsage, want: "--max-in-flight"},
	})
}

// checkRefusals runs each case: the relay must refuse with the exit code
// and message, without printing a base URL or calling WeCom.
func checkRefusals(t *testing.T, cases map[string]refusal) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := cmdutiltest.NewFactory(t)
			o := tc.opts
			o.MaxBody, o.MaxInFlight = wwrelay.DefaultMaxBody, serve.DefaultBudget
			if tc.setup != nil {
				tc.setup(t, &o)
			}
			o.IO = h.F.IO
			// run runs in a goroutine of its own: t.Error, not t.Fatal
			o.Signals = func() (serve.Signals, func()) { t.Error("listened for signals"); return serve.Signals{}, func() {} }
			o.MemoryLimit = func(int64) { t.Error("set a memory limit") }
			o.Upstream = func(context.Context, cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error) {
				return fakeUpstream{t}, wwrelay.Identity{}, nil
			}
			done := make(chan error, 1)
			go func() { done <- run(context.Background(), &o) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second): // a FIFO read the old way blocks for good
				t.Fatal("the relay neither started nor refused within 10 s")
			}
			if cmdutil.ExitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("exit %d (%v), want %d with %q", cmdutil.ExitCode(err), err, tc.code, tc.want)
			}
			if h.Out.Len() != 0 {
				t.Fatalf("printed a base URL: %s", h.Out)
			}
		})
	}
}

func addr(a string) shared.ServeFlags { return shared.ServeFlags{Addr: a} }

func TestRelayModeOnTheRelayIsRefused(t *testing.T) {
	h := cmdutiltest.NewFactory(t)
	h.Env["WWCLI_RELAY"] = "http://127.0.0.1:1"
	_, _, err := upstream(h.F)(context.Background(), cmdutil.CredInput{})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "does not call through another relay") {
		t.Fatalf("err %v", err)
	}
}

// waitFor waits until the relay's stdout or stderr matches re, and
// returns the match.
func waitFor(t *testing.T, s *testutil.Buffer, re string) []string {
	t.Helper()
	return waitForOr(t, s, re, nil)
}

// waitForOr is waitFor that fails at once when stopped delivers (the
// relay ended instead).
func waitForOr(t *testing.T, s *testutil.Buffer, re string, stopped <-chan error) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.NewTimer(testutil.WaitTimeout)
	defer deadline.Stop()
	for {
		text, wrote := s.Next()
		if m := rx.FindStringSubmatch(text); m != nil {
			return m
		}
		select {
		case <-wrote:
		case err := <-stopped:
			t.Fatalf("the relay stopped (%v) before %q in:\n%s", err, re, text)
		case <-deadline.C:
			t.Fatalf("waited %v for %q in:\n%s", testutil.WaitTimeout, re, text)
		}
	}
}

// relayRun is `wwcli relay` running in the test, with signals the test sends.
type relayRun struct {
	out, errOut *testutil.Buffer
	term, hup   chan os.Signal
	cancel      context.CancelFunc
	done        chan error
	url         string
}

// startRelay runs the relay with o's files and flags on 127.0.0.1, in
// front of a WeCom that answers errcode 0, and waits for its base URL.
func startRelay(t *testing.T, o Options, gatedStderr bool) *relayRun {
	t.Helper()
	errOut := &testutil.Buffer{}
	if gatedStderr {
		errOut = testutil.NewBlocked() // a pipe nobody reads
	}
	r := &relayRun{out: &testutil.Buffer{}, errOut: errOut, term: make(chan os.Signal, 1), hup: make(chan os.Signal, 1),
		done: make(chan error, 1)}
	o.IO = &iostreams.IOStreams{In: strings.NewReader(""), Out: r.out, ErrOut: r.errOut}
	o.Signals = func() (serve.Signals, func()) { return serve.Signals{Term: r.term, Hup: r.hup}, func() {} }
	o.MemoryLimit = func(int64) {}
	o.Upstream = func(context.Context, cmdutil.CredInput) (wwrelay.Upstream, wwrelay.Identity, error) {
		return okUpstream{}, wwrelay.Identity{CorpID: "ww5a8f2c1d9e0b3a47", AgentID: "1000002"}, nil
	}
	if o.Serve.Addr == "" {
		o.Serve.Addr = "127.0.0.1:0"
	}
	if o.MaxBody == 0 {
		o.MaxBody, o.MaxInFlight = wwrelay.DefaultMaxBody, serve.DefaultBudget
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- run(ctx, &o) }()
	t.Cleanup(func() {
		cancel()
		r.errOut.Unblock()
		select {
		case <-r.done:
		case <-time.After(shutdownTimeout + 5*time.Second):
			t.Error("the relay did not stop")
		}
	})
	m := waitForOr(t, r.out, `^(http://127\.0\.0\.1:\d+)\n`, r.done)
	r.url = m[1]
	return r
}

// stop sends SIGTERM and returns run's error, failing after the shutdown bound.
func (r *relayRun) stop(t *testing.T, sig chan os.Signal) error {
	t.Helper()
	sig <- syscall.SIGTERM
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(shutdownTimeout + 2*time.Second):
		t.Fatal("the relay did not stop within the shutdown bound after SIGTERM")
		return nil
	}
}

func get(t *testing.T, url, host, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestServesUntilSIGTERM(t *testing.T) {
	dir := t.TempDir()
	clients := writeFile(t, filepath.Join(dir, "clients.json"), clientsJSON("ci", ciToken), 0o600)
	r := startRelay(t, Options{Clients: clients, AuditLog: filepath.Join(dir, "audit.jsonl")}, false)
	if got := r.out.String(); got != r.url+"\n" {
		t.Fatalf("stdout %q, want the base URL alone", got)
	}
	waitFor(t, r.errOut, `relay on http://127\.0\.0\.1:\d+ for corp ww5a8f2c1d9e0b3a47 \(1 clients: ci\); Ctrl-C to stop\n`)
	if s := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", "", ciToken); s != 200 {
		t.Fatalf("user/get: %d", s)
	}
	if err := r.stop(t, r.term); err != nil {
		t.Fatalf("SIGTERM: %v (exit %d), want exit 0", err, cmdutil.ExitCode(err))
	}
	if !strings.HasSuffix(r.errOut.String(), "relay stopped\n") {
		t.Fatalf("stderr:\n%s", r.errOut)
	}
	audit, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil || !strings.Contains(string(audit), `"client":"ci","remote":"127.0.0.1","method":"GET","path":"/cgi-bin/user/get","status":200`) {
		t.Fatalf("audit log %q %v", audit, err)
	}
	if info, _ := os.Stat(filepath.Join(dir, "audit.jsonl")); info.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v", info.Mode())
	}
}

func TestCtrlCEndsWithTheContext(t *testing.T) {
	clients := writeFile(t, filepath.Join(t.TempDir(), "clients.json"), clientsJSON("ci", ciToken), 0o600)
	r := startRelay(t, Options{Clients: clients}, false)
	r.cancel() // what Ctrl-C does; cmd.Run turns a cancelled context into exit 130
	select {
	case err := <-r.done:
		r.done <- err
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Ctrl-C: %v, want context.Canceled", err)
		}
	case <-time.After(shutdownTimeout + 2*time.Second):
		t.Fatal("the relay did not stop on Ctrl-C")
	}
}

// DNS rebinding: a page under an attacker's name that resolves to the
// relay gets nothing; the names the relay is reached by work.
func TestHostAllowList(t *testing.T) {
	clients := writeFile(t, filepath.Join(t.TempDir(), "clients.json"), clientsJSON("ci", ciToken), 0o600)
	r := startRelay(t, Options{Clients: clients, Serve: shared.ServeFlags{AllowHosts: []string{"relay.example.com"}}}, false)
	port := r.url[strings.LastIndex(r.url, ":")+1:]
	for host, want := range map[string]int{
		"":                                   200, // 127.0.0.1:PORT
		"localhost:" + port:                  200,
		"relay.example.com:" + port:          200,
		"RELAY.example.com.":                 200,
		"rebind.attacker.example:" + port:    403,
		"relay.example.com.evil.com:" + port: 403,
	} {
		if got := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", host, ciToken); got != want {
			t.Errorf("Host %q: %d, want %d", host, got, want)
		}
	}
	// refusals are in the audit log (stderr), the Host escaped
	waitFor(t, r.errOut, `"host":"rebind.attacker.example%3A`+port+`","method":"GET","path":"/cgi-bin/user/get","status":403,"refused":"host_not_allowed"`)

	// every request needs a client token: --allow-host * may turn the check off
	r = startRelay(t, Options{Clients: clients, Serve: shared.ServeFlags{AllowHosts: []string{"*"}}}, false)
	if got := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", "rebind.attacker.example", ciToken); got != 200 {
		t.Errorf("--allow-host *: %d", got)
	}
	if got := get(t, r.url+"/cgi-bin/user/get?userid=zhangsan", "rebind.attacker.example", ""); got != 401 {
		t.Errorf("--allow-host * without a token: %d", got)
	}
}

// N5: with stderr (the default audit log) not read, every request is
// still answered; once it is read again, the drop count is reported and
// every request is either in the log or in the count.
func TestStderrNobodyReadsNeverStallsAnswers(t *testing.T) {
	clients := writeFile(t, filepath.Join(t.TempDir(), "clients.json"), clientsJSON("ci", ciToken), 0o600)
	r := startRelay(t, Options{Clients: clients}, true)
	const n = 2000
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= n; i = next.Add(1) {
				req, _ := http.NewRequest(http.MethodGet, r.url+wwrelay.WhoamiPath, nil)
				if i%2 == 0 {
					req.Header.Set("Authorization", "Bearer "+ciToken)
				}
				resp, err := hc.Do(req)
				if err != nil {
					errs <- fmt.Errorf("request %d with stderr not read: %v", i, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r.errOut.Unblock() // the reader is back
	sent := n
	report := regexp.MustCompile(`warning: (\d+) line\(s\) dropped because stderr \(the audit log\) was not read\n`)
	for i := 0; i < 100 && !report.MatchString(r.errOut.String()); i++ {
		// the count goes out with the next line there is room for
		if s := get(t, r.url+wwrelay.WhoamiPath, "", ""); s != 401 {
			t.Fatalf("whoami without a token: %d", s)
		}
		sent++
	}
	if err := r.stop(t, r.term); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	text := r.errOut.String()
	dropped := 0
	for _, m := range report.FindAllStringSubmatch(text, -1) {
		k, _ := strconv.Atoi(m[1])
		dropped += k
	}
	logged := strings.Count(text, `{"time":`)
	if dropped == 0 || logged+dropped != sent {
		t.Fatalf("%d audit lines + %d reported dropped, want %d requests and some dropped:\n%.2000s", logged, dropped, sent, text)
	}
}

func TestSoftMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	t.Setenv("GOMEMLIMIT", "1GiB")
	softMemoryLimit(serve.DefaultBudget)
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Fatalf("GOMEMLIMIT set, yet the limit changed to %d", got)
	}
	os.Unsetenv("GOMEMLIMIT")
	softMemoryLimit(serve.DefaultBudget)
	if got := debug.SetMemoryLimit(-1); got != serve.DefaultBudget+32<<20 {
		t.Fatalf("limit %d, want the budget + 32 MiB", got)
	}
}

// An --audit-log file that stops taking lines: the drops are told on
// stderr at most once a minute (the queue notices every one), and the
// rest at exit.
func TestAuditDropsAreToldAtMostOnceAMinute(t *testing.T) {
	out := &testutil.Buffer{}
	stderr := serve.NewLineQueue(out, serve.QueueOptions{Name: "stderr"})
	now := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
	d := &dropReport{stderr: stderr, path: "audit.jsonl", now: func() time.Time { return now }}
	d.notice(1)
	for range 99 {
		d.notice(1)
	}
	now = now.Add(59 * time.Second)
	d.notice(1)
	now = now.Add(time.Second)
	d.notice(1)
	d.notice(2)
	d.flush()
	d.flush()
	stderr.Close(5 * time.Second)
	want := "warning: 1 audit line(s) dropped because audit.jsonl was not written in time\n" +
		"warning: 101 audit line(s) dropped because audit.jsonl was not written in time\n" +
		"warning: 2 audit line(s) dropped because audit.jsonl was not written in time\n"
	if got := out.String(); got != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", got, want)
	}
}
