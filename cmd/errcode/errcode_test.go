package errcode

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

func TestParseInput(t *testing.T) {
	const msg = "not allow to access from your ip, hint: [1706848717432011565347844], from ip: 139.227.20.128, more info at https://open.work.weixin.qq.com/devtool/query?e=60020"
	cases := []struct {
		in   string
		want []query
	}{
		{"60020", []query{{Code: 60020}}},
		{" -40001 ", []query{{Code: -40001}}},
		{"-1", []query{{Code: -1}}},
		{msg, []query{{60020, msg}}},
		{`{"errcode":40029,"errmsg":"invalid code"}`, []query{{40029, "invalid code"}}},
		{`{"errcode":"42001","errmsg":"access_token expired"}`, []query{{42001, "access_token expired"}}},
		{`{"errmsg":"` + msg + `"}`, []query{{60020, msg}}},
		{`{"errcode":0,"errmsg":"ok","access_token":"x"}`, []query{{0, "ok"}}},
		{`[60020, {"errcode":40014,"errmsg":"invalid access_token"}]`, []query{{Code: 60020}, {40014, "invalid access_token"}}},
		{`errcode=45009 errmsg=api freq out of limit`, []query{{45009, "errcode=45009 errmsg=api freq out of limit"}}},
		{`"errcode": 48002, "errmsg": "api forbidden"`, []query{{48002, `"errcode": 48002, "errmsg": "api forbidden"`}}},
	}
	for _, c := range cases {
		got, err := parseInput(c.in)
		if err != nil {
			t.Errorf("parseInput(%q): %v", c.in, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("parseInput(%q) = %+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("parseInput(%q)[%d] = %+v, want %+v", c.in, i, got[i], c.want[i])
			}
		}
	}
}

func TestParseInputRejects(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "empty input",
		"hello":                       "has no errcode",
		"99999999999":                 "out of range",
		`{"errmsg":"x"}`:              `no "errcode"`,
		`{"errcode":true}`:            "must be a number",
		`{"errcode":60020`:            "invalid JSON",
		`{"errcode":1} {"errcode":2}`: "more than one value",
		`[]`:                          "empty JSON array",
		`["x"]`:                       "must be responses or errcodes",
		`"60020"`:                     "has no errcode",
	} {
		_, err := parseInput(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseInput(%q) error = %v, want it to contain %q", in, err, want)
		}
	}
}

func TestSplitStdin(t *testing.T) {
	in := "60020\n\n  {\n  \"errcode\": 40029,\n  \"errmsg\": \"invalid code\"\n}\r\n-40001\r\n{\"errcode\":1}{\"errcode\":2}\n{not json\nlast"
	want := []string{"60020", "{\n  \"errcode\": 40029,\n  \"errmsg\": \"invalid code\"\n}", "-40001", `{"errcode":1}`, `{"errcode":2}`, "{not json", "last"}
	got := splitStdin(in)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitStdin:\n got %q\nwant %q", got, want)
	}
	if len(splitStdin(" \n\t\n")) != 0 {
		t.Error("blank stdin has no items")
	}
}

func TestWrap(t *testing.T) {
	got := wrap("add this IP to 企业可信IP under 应用管理 and wait about a minute", 24)
	for _, l := range got {
		if w := runewidth.StringWidth(l); w == 0 || w > 24 {
			t.Errorf("line %q is %d cells wide, want 1..24", l, w)
		}
	}
	if strings.Join(got, " ") != "add this IP to 企业可信IP under 应用管理 and wait about a minute" || len(got) < 3 {
		t.Errorf("wrap lost words or did not wrap: %q", got)
	}
	long := "https://open.work.weixin.qq.com/devtool/query?e=60020"
	if got := wrap(long, 20); len(got) != 1 || got[0] != long {
		t.Errorf("a long word must stay whole: %q", got)
	}
}

// runCmd runs `errcode args...` through cobra with buffers for streams.
func runCmd(t *testing.T, stdin string, stdinTTY bool, args ...string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetStdinTTY(stdinTTY)
	f := &cmdutil.Factory{IO: ios, Getenv: func(string) string { return "" }}
	cmd := NewCmd(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestNegativeCodesAreArgumentsNotFlags(t *testing.T) {
	var got *Options
	f := &cmdutil.Factory{IO: func() *iostreams.IOStreams { s, _, _, _ := iostreams.Test(); return s }()}
	cmd := NewCmd(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"-40001", "--json", "60020", "-1", "--search", "-5"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Inputs, ",") != "-40001,60020,-1" || !got.JSON || got.Search != "-5" {
		t.Errorf("parsed %+v", got)
	}
}

func TestRunExitCodes(t *testing.T) {
	if _, _, err := runCmd(t, "", true); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("no input on a TTY: %v, want exit 2", err)
	}
	if _, _, err := runCmd(t, "", false, "--bogus"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("unknown flag: %v, want exit 2", err)
	}
	out, errOut, err := runCmd(t, "", false, "99999", "60020")
	if cmdutil.ExitCode(err) != cmdutil.ExitFailure || !strings.Contains(out, "query?e=99999") || !strings.Contains(errOut, "99999 is not in wwcli's table") {
		t.Errorf("unknown code: err %v\nout %s\nerr %s", err, out, errOut)
	}
	out, _, err = runCmd(t, "60020\n{\"errcode\":40014,\n\"errmsg\":\"invalid access_token\"}\n", false, "--json")
	var exps []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &exps) != nil || len(exps) != 2 || exps[1]["errcode"] != 40014.0 {
		t.Errorf("stdin --json: %v %s", err, out)
	}
}

func TestListOutputs(t *testing.T) {
	out, _, err := runCmd(t, "", false, "--list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1256+12 || lines[0] != "-1\t系统繁忙\tSystem busy; retry later (at most 3 times)" {
		t.Errorf("--list piped: %d lines, first %q", len(lines), lines[0])
	}
	for _, l := range lines {
		if strings.Count(l, "\t") != 2 {
			t.Fatalf("not a 3-column TSV row: %q", l)
		}
	}
	if _, _, err := runCmd(t, "", false, "--search", "zzz-nothing"); cmdutil.ExitCode(err) != cmdutil.ExitFailure {
		t.Errorf("search without matches: %v, want exit 1", err)
	}
}

// FuzzParseInput: any argument or stdin text gives queries or an error,
// never a panic.
func FuzzParseInput(f *testing.F) {
	for _, s := range []string{"60020", "-40001", `{"errcode":1,"errmsg":"x"}`, "[1,{\"errcode\":\"2\"}]",
		"errcode=45009", "{\n\"errcode\":\n", "more info at https://open.work.weixin.qq.com/devtool/query?e=7", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, item := range append(splitStdin(s), s) {
			if qs, err := parseInput(item); err == nil && len(qs) == 0 {
				t.Fatalf("parseInput(%q) returned no queries and no error", item)
			}
		}
	})
}
