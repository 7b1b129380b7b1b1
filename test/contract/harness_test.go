// Package contract points WeCom SDKs that nobody here wrote at `wwcli
// sandbox` (only their host changed) and checks, call by call, that the
// sandbox accepts what they send and they accept what it answers. It is
// its own Go module so the SDKs never become dependencies of wwcli.
//
// Each call ends in one of three outcomes, collected into a matrix that is
// printed (and written to $CONTRACT_MATRIX when set):
//   - works: the SDK parsed the answer with the expected fixture values;
//   - sdk bug: the SDK is wrong and the sandbox right (the test asserts the
//     exact wrong behaviour, so a changed SDK or sandbox is noticed);
//   - fails: anything else — the test fails.
package contract

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The demo corp of the sandbox (pkg/sandbox/fixtures.go). Copied, not
// imported: this module must not depend on wwcli's packages.
const (
	corpID          = "ww5a8f2c1d9e0b3a47"
	agentID         = 1000002
	appSecret       = "DemoApp1Secret-wwcli-sandbox-0123456789abcd"
	app2AgentID     = 1000003
	contactSecret   = "DemoContactSyncSecret-wwcli-sandbox-0123456"
	miniAgentID     = 1000004
	miniSecret      = "DemoMiniProgramSecret-wwcli-sandbox-0123456"
	wrongSecret     = "WrongSecret-wwcli-sandbox-000000000000000000"
	robotKey        = "5a8f2c1d-9e0b-4a47-8d2c-000000000001"
	requestDeadline = 15 * time.Second
)

var wwcliBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wwcli-contract-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// WWCLI_CONTRACT_BIN runs the matrix against another build of wwcli
	// (say, a branch's); by default this checkout's is built.
	if wwcliBin = os.Getenv("WWCLI_CONTRACT_BIN"); wwcliBin == "" {
		wwcliBin = filepath.Join(dir, "wwcli")
		build := exec.Command("go", "build", "-o", wwcliBin, ".")
		build.Dir = filepath.Join("..", "..")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building wwcli:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	report := matrix.render()
	fmt.Print(report)
	if path := os.Getenv("CONTRACT_MATRIX"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandbox is one `wwcli sandbox` process on 127.0.0.1, fresh per test.
type sandbox struct {
	URL string
	t   *testing.T
}

func startSandbox(t *testing.T, args ...string) *sandbox {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, wwcliBin, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), "NO_COLOR=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		first <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case url := <-first:
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("sandbox's first line is %q, want its base URL; stderr:\n%s", url, stderr.String())
		}
		return &sandbox{URL: url, t: t}
	case <-time.After(20 * time.Second):
		t.Fatalf("sandbox printed no base URL in 20s; stderr:\n%s", stderr.String())
		return nil
	}
}

// control calls the sandbox's control API and decodes its JSON answer.
func (s *sandbox) control(method, path string, body, out any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: requestDeadline}).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// code issues an OAuth code for a member (scope "" = snsapi_base).
func (s *sandbox) code(userID, scope string) string {
	var out struct{ Code string }
	s.control("POST", "/_sandbox/code", map[string]any{"userid": userID, "scope": scope}, &out)
	return out.Code
}

// miniCode issues a mini-program login code (jscode2session).
func (s *sandbox) miniCode(userID string) string {
	var out struct{ Code string }
	s.control("POST", "/_sandbox/code", map[string]any{"userid": userID, "type": "miniprogram", "agentid": miniAgentID}, &out)
	return out.Code
}

func (s *sandbox) advance(d string) {
	s.control("POST", "/_sandbox/clock", map[string]string{"advance": d}, nil)
}

func (s *sandbox) fault(f map[string]any) { s.control("POST", "/_sandbox/faults", f, nil) }

func (s *sandbox) count(path string) int {
	var out struct{ Count int }
	s.control("GET", "/_sandbox/counters?path="+path, nil, &out)
	return out.Count
}

// httpClient is what every SDK gets: bounded, and it refuses any host but
// the sandbox's, so a hard-coded qyapi.weixin.qq.com is noticed.
func (s *sandbox) httpClient() *http.Client {
	return &http.Client{Timeout: requestDeadline, Transport: s.transport()}
}

// transport is a RoundTripper that sends everything to the sandbox; it
// may replace http.DefaultTransport for SDKs that use the default client.
func (s *sandbox) transport() http.RoundTripper {
	return &toSandbox{base: s.URL, next: http.DefaultTransport.(*http.Transport).Clone()}
}

// toSandbox sends every request to the sandbox: SDKs with a hard-coded
// host (silenceper, fastwego's oauth) get theirs rewritten here; the rest
// already point at it.
type toSandbox struct {
	base string
	next http.RoundTripper
}

func (ts *toSandbox) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	host := strings.TrimPrefix(ts.base, "http://")
	if r.URL.Host != host {
		if r.URL.Host != "qyapi.weixin.qq.com" {
			return nil, fmt.Errorf("contract: request to %s, which is neither WeCom nor the sandbox", r.URL.Host)
		}
		r.URL.Scheme, r.URL.Host, r.Host = "http", host, host
	}
	return ts.next.RoundTrip(r)
}

// The matrix of SDK × call outcomes.
type outcome struct {
	kind   string // "works", "sdk bug", "fails"
	detail string
}

type results struct {
	mu   sync.Mutex
	rows map[string]map[string]outcome // call → sdk → outcome
	sdks []string
}

var matrix = &results{rows: map[string]map[string]outcome{}}

func (m *results) record(sdk, call string, o outcome) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows[call] == nil {
		m.rows[call] = map[string]outcome{}
	}
	m.rows[call][sdk] = o
	for _, s := range m.sdks {
		if s == sdk {
			return
		}
	}
	m.sdks = append(m.sdks, sdk)
}

func (m *results) render() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	sdks := append([]string(nil), m.sdks...)
	sort.Strings(sdks)
	calls := make([]string, 0, len(m.rows))
	for c := range m.rows {
		calls = append(calls, c)
	}
	sort.Strings(calls)
	var b strings.Builder
	b.WriteString("\nSDK contract matrix (SDK × call against wwcli sandbox)\n\n| call | " + strings.Join(sdks, " | ") + " |\n|---|" + strings.Repeat("---|", len(sdks)) + "\n")
	total, works, bugs := 0, 0, 0
	perSDK := map[string][2]int{}
	for _, c := range calls {
		b.WriteString("| " + c + " |")
		for _, s := range sdks {
			o, ok := m.rows[c][s]
			switch {
			case !ok:
				b.WriteString(" — |")
				continue
			case o.kind == "works":
				works++
				b.WriteString(" works |")
			default:
				if o.kind == "sdk bug" {
					bugs++
				}
				b.WriteString(" " + o.kind + ": " + o.detail + " |")
			}
			total++
			n := perSDK[s]
			n[1]++
			if o.kind == "works" {
				n[0]++
			}
			perSDK[s] = n
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nApplicable SDK × call combinations: %d; works: %d; SDK bugs (sandbox right): %d; failures: %d\n", total, works, bugs, total-works-bugs)
	for _, s := range sdks {
		fmt.Fprintf(&b, "  %s: %d/%d work\n", s, perSDK[s][0], perSDK[s][1])
	}
	return b.String()
}

// works runs one SDK call that must succeed; fn returns an error for any
// answer that is not what the fixtures say. A panic is a failure too.
func works(t *testing.T, sdk, call string, fn func() error) {
	t.Helper()
	err := protect(fn)
	if err != nil {
		matrix.record(sdk, call, outcome{"fails", firstLine(err.Error())})
		t.Errorf("%s %s: %v", sdk, call, err)
		return
	}
	matrix.record(sdk, call, outcome{"works", ""})
}

// sdkBug runs a call where the SDK is known to be wrong and the sandbox
// right: fn returns nil only when exactly that wrong behaviour happened.
func sdkBug(t *testing.T, sdk, call, bug string, fn func() error) {
	t.Helper()
	if err := protect(fn); err != nil {
		matrix.record(sdk, call, outcome{"fails", firstLine(err.Error())})
		t.Errorf("%s %s: expected the known SDK bug (%s), got: %v", sdk, call, bug, err)
		return
	}
	matrix.record(sdk, call, outcome{"sdk bug", bug})
}

// panicked is the error protect returns for a panic.
type panicked struct {
	value any
	stack string
}

func (p *panicked) Error() string { return fmt.Sprintf("panic: %v", p.value) }

func protect(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicked{value: v, stack: string(debug.Stack())}
		}
	}()
	return fn()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// want compares one field of an answer with the fixture's value.
func want[T comparable](what string, got, expected T) error {
	if got != expected {
		return fmt.Errorf("%s = %v, want %v", what, got, expected)
	}
	return nil
}

// errcodeIn reports whether an SDK error mentions the WeCom errcode.
func errcodeIn(err error, code int) error {
	if err == nil {
		return fmt.Errorf("no error, want errcode %d", code)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(code)) {
		return fmt.Errorf("error %q does not carry errcode %d", err, code)
	}
	return nil
}

// wecomGET calls a WeCom path on the sandbox directly and decodes the answer.
func (s *sandbox) wecomGET(pathAndQuery string, out any) {
	s.t.Helper()
	resp, err := (&http.Client{Timeout: requestDeadline}).Get(s.URL + pathAndQuery)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		s.t.Fatalf("GET %s: %v", pathAndQuery, err)
	}
}

// currentTicket is the live jsapi ticket of the demo app (kind "corp" or
// "agent"). WeCom returns the same token and ticket while they are valid
// (doc 91039), so this is the ticket an SDK signed with.
func (s *sandbox) currentTicket(kind string) string {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.wecomGET("/cgi-bin/gettoken?corpid="+corpID+"&corpsecret="+appSecret, &tok)
	var tk struct{ Ticket string }
	if kind == "agent" {
		s.wecomGET("/cgi-bin/ticket/get?type=agent_config&access_token="+tok.AccessToken, &tk)
	} else {
		s.wecomGET("/cgi-bin/get_jsapi_ticket?access_token="+tok.AccessToken, &tk)
	}
	if tk.Ticket == "" {
		s.t.Fatalf("no %s ticket from the sandbox", kind)
	}
	return tk.Ticket
}

// jssdkSignature is the JS-SDK signature (doc 90506): SHA-1 over the four
// fields in this order, computed here independently of every SDK.
func jssdkSignature(ticket, nonce string, timestamp int64, url string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, nonce, timestamp, url)))
	return hex.EncodeToString(sum[:])
}

// tinyPNG is a 1×1 PNG, a valid image for media/upload.
var tinyPNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

// createAppchat makes an app chat straight through the API (appchat/create,
// doc 90245), for SDKs that can only send to one.
func (s *sandbox) createAppchat(secret, owner string, members ...string) string {
	s.t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.wecomGET("/cgi-bin/gettoken?corpid="+corpID+"&corpsecret="+secret, &tok)
	body, _ := json.Marshal(map[string]any{"name": "contract", "owner": owner, "userlist": members})
	resp, err := (&http.Client{Timeout: requestDeadline}).Post(s.URL+"/cgi-bin/appchat/create?access_token="+tok.AccessToken, "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ErrCode int    `json:"errcode"`
		ChatID  string `json:"chatid"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || out.ChatID == "" {
		s.t.Fatalf("appchat/create: %v (errcode %d)", err, out.ErrCode)
	}
	return out.ChatID
}

// The 客户联系 (customer contact) fixtures of the sandbox.
const (
	externalSecret = "DemoCustomerContactSecret-wwcli-sandbox-012"
	customer1      = "wmDemoCustomer0000000000000000001"
	customer2      = "wmDemoCustomer0000000000000000002"
	groupChat1     = "wrDemoGroupChat000000000000000001"
	app2Secret     = "DemoApp2Secret-wwcli-sandbox-0123456789abcd"
)
