//go:build unix

package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// suggestionsNotRun are suggestions this test cannot run, by line, with
// the reason. An entry that matches no suggestion any more fails the test.
var suggestionsNotRun = map[string]string{
	"wwcli auth login --corp-id ww...": "prompts for the secret on a terminal and keeps it in the OS keyring; " +
		"the test has neither (its file-storage twin is tested in sandbox_credentials.txtar)",
}

// suggestionsPending: suggestions containing a key fail today because a
// command they use is still to come (`wwcli sandbox code`, issue 12 point
// 6). The test checks that they fail for that reason (the value is in
// their stderr), and fails once they work, so that the entry goes.
var suggestionsPending = map[string]string{}

func pendingReason(line string) (string, bool) {
	for key, want := range suggestionsPending {
		if strings.Contains(line, key) {
			return want, true
		}
	}
	return "", false
}

// noCredentialMessages take --secret-file but never show the
// missing-credentials message: `auth login` asks for what it stores.
var noCredentialMessages = map[string]bool{"wwcli auth login": true}

// TestSuggestions runs every command line an error message suggests
// (cmdutil.CredentialSuggestions for each command that takes credentials,
// and cmdutil.FixedSuggestions), as a user would paste it, in bash with
// the test binary as wwcli. Everything is sealed: private HOME, config and
// cache, WWCLI_KEYRING=off, and WWCLI_BASE_URL pointing at a sandbox on
// 127.0.0.1. Placeholders become the demo app's values (see
// cmdutil.Suggestion).
func TestSuggestions(t *testing.T) {
	if _, err := exec.LookPath("wwcli"); err != nil {
		t.Fatalf("wwcli is not on PATH (TestMain puts the test binary there): %v", err)
	}
	srv := sandbox.New(sandbox.Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	all := collectSuggestions(t)
	seen := map[string]bool{}
	t.Run("each", func(t *testing.T) {
		for _, s := range all {
			line := strings.Join(s.Lines, " && ")
			seen[line] = true
			if _, skip := suggestionsNotRun[line]; skip {
				continue
			}
			t.Run(strings.ReplaceAll(s.Message, " ", "_"), func(t *testing.T) {
				t.Parallel()
				code, err := srv.IssueCode(sandbox.CodeRequest{UserID: "zhangsan"})
				if err != nil {
					t.Fatal(err)
				}
				runSuggestion(t, base, code, s, line)
			})
		}
	})
	var stale []string
	for line := range suggestionsNotRun {
		if !seen[line] {
			stale = append(stale, line)
		}
	}
	for key := range suggestionsPending {
		found := false
		for line := range seen {
			found = found || strings.Contains(line, key)
		}
		if !found {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	for _, line := range stale {
		t.Errorf("suggestionsNotRun/suggestionsPending name a suggestion no message makes any more: %q", line)
	}
	pending := 0
	for line := range seen {
		if _, ok := pendingReason(line); ok {
			pending++
		}
	}
	t.Logf("%d suggestions: %d run (%d of them pending), %d not run", len(all), len(all)-len(suggestionsNotRun), pending, len(suggestionsNotRun))
}

// collectSuggestions gathers the suggestions of every command that takes
// credentials (it has --secret-file), deduplicated by what they run.
func collectSuggestions(t *testing.T) []cmdutil.Suggestion {
	t.Helper()
	var all []cmdutil.Suggestion
	commands := 0
	dup := map[string]bool{}
	add := func(s cmdutil.Suggestion) {
		key := strings.Join(s.Lines, "\n") + "\n" + envKey(s.Env)
		if !dup[key] {
			dup[key] = true
			all = append(all, s)
		}
	}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		if c.Flags().Lookup("secret-file") != nil && c.Runnable() && !noCredentialMessages[c.CommandPath()] {
			commands++
			for _, s := range cmdutil.CredentialSuggestions(c.UseLine()) {
				s.Message = c.Name() + ": " + s.Message
				add(s)
			}
		}
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(helpTextTree(t))
	for _, s := range cmdutil.FixedSuggestions() {
		add(s)
	}
	if commands < 6 || len(all) < 30 {
		t.Fatalf("found only %d commands with credentials and %d suggestions", commands, len(all))
	}
	return all
}

func envKey(env map[string]string) string {
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, " ")
}

var (
	suggestionPlaceholder = regexp.MustCompile(`(^|[^$\w])(CORPID|SECRET|CODE|URL|PATH|FILE|MSGID)\b`)
	suggestionCorpID      = regexp.MustCompile(`\bww\.\.\.`)
	suggestionSecret      = regexp.MustCompile(`\bWWCLI_SECRET=\.\.\.`)
)

// suggestionValues are what the placeholders stand for.
var suggestionValues = map[string]string{
	"CORPID": sandbox.DemoCorpID,
	"SECRET": sandbox.DemoAppSecret,
	"URL":    "https://example.com/",
	"PATH":   "'user/get?userid=zhangsan'",
	"FILE":   "report.txt",
}

func runSuggestion(t *testing.T, base, code string, s cmdutil.Suggestion, line string) {
	dir := t.TempDir()
	files := map[string]string{
		"secret.txt": sandbox.DemoAppSecret + "\n",
		"report.txt": "build report\n",
		"corp.json": `{"corps":[{"corpid":"wwfeedc0ffee000001","name":"Acme",
 "apps":[{"agentid":1000010,"name":"ops","secret":"app secret of the example fixtures"}],
 "departments":[{"id":1,"name":"Acme","parentid":0,"order":1}],
 "users":[{"userid":"liuyang","name":"刘洋","department":[1],"status":1}]}]}` + "\n",
	}
	// `wwcli relay --clients clients.json`: one client
	files["clients.json"] = `{"clients":[{"name":"ci","token_sha256":"e202c13a9341f2216ea6ae595534d8706be411253bbbae86b7d5205aeb7504b3","paths":["/cgi-bin/*"]}]}`
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ran := suggestionPlaceholder.ReplaceAllStringFunc(line, func(m string) string {
		sub := suggestionPlaceholder.FindStringSubmatch(m)
		v := suggestionValues[sub[2]]
		switch sub[2] {
		case "CODE":
			v = code
		case "MSGID":
			v = sentMessageID(t, base)
		}
		return sub[1] + v
	})
	ran = suggestionCorpID.ReplaceAllString(ran, sandbox.DemoCorpID)
	ran = suggestionSecret.ReplaceAllString(ran, "WWCLI_SECRET="+sandbox.DemoAppSecret)

	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"LANG=C.UTF-8",
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg-config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "xdg-cache"),
		"WWCLI_CONFIG_DIR=" + filepath.Join(dir, "config"),
		"WWCLI_CACHE_DIR=" + filepath.Join(dir, "cache"),
		"WWCLI_KEYRING=off",
		"WWCLI_BASE_URL=" + base,
	}
	for k, v := range s.Env {
		env = append(env, k+"="+v)
	}
	if strings.Contains(line, "--sandbox") {
		env = withoutVar(env, "WWCLI_BASE_URL") // as on a fresh machine
	}
	if s.Server {
		runServerSuggestion(t, dir, env, ran)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -o pipefail; "+ran)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if want, pending := pendingReason(line); pending {
		if err == nil {
			t.Errorf("%q works now: remove it from suggestionsPending", line)
		} else if !strings.Contains(stderr.String(), want) {
			t.Errorf("%q: pending for %q, but failed with: %s", line, want, stderr.String())
		}
		return
	}
	if err != nil {
		t.Errorf("%s\n  suggestion: %s\n  ran:        %s\n  %v\n  stdout: %s\n  stderr: %s", s.Message, line, ran, err, stdout.String(), stderr.String())
	}
}

// runServerSuggestion starts a server suggestion on 127.0.0.1:0 and
// checks that it prints its base URL first; then stops it.
func runServerSuggestion(t *testing.T, dir string, env []string, line string) {
	words := strings.Fields(line)
	for len(words) > 0 && strings.Contains(words[0], "=") { // VAR=value wwcli ...
		env = append(env, words[0])
		words = words[1:]
	}
	args := append(words[1:], "--addr", "127.0.0.1:0")
	cmd := exec.Command("wwcli", args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	first := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(pipe).ReadString('\n')
		first <- l
	}()
	select {
	case url := <-first:
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Errorf("%s: first stdout line %q, want the base URL; stderr: %s", line, url, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%s: no base URL within 10s", line)
	}
}

// sentMessageID sends an app message through the sandbox and returns its
// msgid, for suggestions that recall one.
func sentMessageID(t *testing.T, base string) string {
	t.Helper()
	get := func(u string, body string) map[string]any {
		var resp *http.Response
		var err error
		if body == "" {
			resp, err = http.Get(u)
		} else {
			resp, err = http.Post(u, "application/json", strings.NewReader(body))
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tok := get(base+"/cgi-bin/gettoken?corpid="+sandbox.DemoCorpID+"&corpsecret="+sandbox.DemoAppSecret, "")
	msg := get(base+"/cgi-bin/message/send?access_token="+fmt.Sprint(tok["access_token"]),
		fmt.Sprintf(`{"touser":"zhangsan","msgtype":"text","agentid":%d,"text":{"content":"to recall"}}`, sandbox.DemoAgentID))
	id, _ := msg["msgid"].(string)
	if id == "" {
		t.Fatalf("the sandbox gave no msgid: %v", msg)
	}
	return id
}
