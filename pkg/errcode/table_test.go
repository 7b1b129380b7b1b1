package errcode

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestEmbeddedTableComplete reads the shipped TSV independently and checks
// every row made it into the table unchanged, with nothing dropped.
func TestEmbeddedTableComplete(t *testing.T) {
	tb := loadTable()
	if len(tb.problems) != 0 {
		t.Fatalf("embedded table has problems:\n%s", strings.Join(tb.problems, "\n"))
	}
	f, err := os.Open("data/errcodes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows := 0
	seen := map[int]bool{}
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if cols[0] == "code" {
			continue
		}
		rows++
		code, err := strconv.Atoi(cols[0])
		if err != nil {
			t.Fatalf("row %d: %v", rows, err)
		}
		if seen[code] {
			t.Errorf("duplicate code %d in the shipped TSV: decide which row wins", code)
		}
		seen[code] = true
		e, ok := Lookup(code)
		if !ok || e.ZH != cols[1] || e.EN != cols[2] {
			t.Errorf("code %d: got %+v, want zh %q en %q", code, e, cols[1], cols[2])
		}
	}
	if rows < officialCodes || len(tb.entries) != rows {
		t.Errorf("TSV rows %d, table entries %d; want as many, and at least the %d official codes", rows, len(tb.entries), officialCodes)
	}
	if tb.entries[0].Code != -1 {
		t.Errorf("table order changed: first code %d", tb.entries[0].Code)
	}
}

func TestParseTableDuplicatesAndBadRows(t *testing.T) {
	tsv := "code\tzh\ten_short\n" +
		"100\t新\tnew wording\n" +
		"bad row without tabs\n" +
		"x\tzh\ten\n" +
		"100\t旧\told wording\n" +
		"200\t二\ttwo\r\n"
	tb := parseTable(tsv, []fix{{100, "fix 100"}, {300, "orphan"}, {100, "again"}})
	if len(tb.entries) != 2 {
		t.Fatalf("entries %+v", tb.entries)
	}
	e := tb.entries[tb.index[100]]
	if e.ZH != "新" || e.EN != "new wording" || e.Fix != "fix 100" {
		t.Errorf("duplicate must keep the first row: %+v", e)
	}
	if e := tb.entries[tb.index[200]]; e.EN != "two" {
		t.Errorf("CRLF not trimmed: %q", e.EN)
	}
	want := []string{"3: 1 columns", "4: code \"x\"", "5: duplicate code 100", "fix for code 300", "two fixes for code 100"}
	if len(tb.problems) != len(want) {
		t.Fatalf("problems %q", tb.problems)
	}
	for i, w := range want {
		if !strings.Contains(tb.problems[i], w) {
			t.Errorf("problem %d = %q, want it to mention %q", i, tb.problems[i], w)
		}
	}
}

// TestFixCoverage: at least 60 codes carry our guidance, including every
// code the troubleshooting guide and the issue name.
func TestFixCoverage(t *testing.T) {
	n := 0
	for _, e := range loadTable().entries {
		if e.Fix != "" {
			n++
		}
	}
	if n < 60 {
		t.Errorf("%d codes have fixes, want >= 60", n)
	}
	must := []int{40001, 40013, 40014, 40082, 40091, 41001, 41002, 41004, 42001, 42009, 48002, 40056, 41011,
		40093, 42012, 91040, 45009, 40029, 42003, 42022, 41008, 84014, 84015, 84090,
		50001, 80001, 85004, 85005, 85008, 60020, 48009, 301042, 60011, 60021, 50002, 50003,
		45033, -1, 6000, 90206, 40003, 46004, 60111, 60102, 60104, 60003, 60123, 81013, 82001,
		44004, 45002, 81011, 86001, 86008, 93000}
	for _, c := range must {
		if e, ok := Lookup(c); !ok || e.Fix == "" {
			t.Errorf("code %d has no fix", c)
		}
	}
	for _, want := range []struct {
		code int
		word string
	}{{45009, "debug=1"}, {45009, "5 calls per minute"}, {45009, "one hour"}, {60020, "企业可信IP"},
		{40029, "5 minutes"}, {42012, "agent_config"}, {50001, "exactly"}, {40014, "mini program"}} {
		if e, _ := Lookup(want.code); !strings.Contains(e.Fix, want.word) {
			t.Errorf("fix for %d should mention %q: %q", want.code, want.word, e.Fix)
		}
	}
}

func TestCallbackTable(t *testing.T) {
	for code := -40012; code <= -40001; code++ {
		e, ok := Callback(code)
		if !ok || e.Code != code || e.ZH == "" || !strings.HasPrefix(e.EN, CallbackLabel) {
			t.Errorf("callback %d: %+v %v", code, e, ok)
		}
		if _, ok := Lookup(code); ok {
			t.Errorf("callback code %d must not be in the API table", code)
		}
	}
	if _, ok := Callback(-40013); ok {
		t.Error("-40013 is not a callback code")
	}
	if _, ok := Callback(40001); ok {
		t.Error("40001 is an API code, not a callback code")
	}
}

// officialCodes is how many codes the official errcode table had when
// data/errcodes.tsv was taken from it: a refresh may add rows, not lose
// these. Exact counts would break at every refresh; the rows below pin
// what matters.
const officialCodes = 1256

func TestListAndSearch(t *testing.T) {
	all := List()
	if len(all) < officialCodes+len(callbackCodes) {
		t.Fatalf("List: %d entries, want at least %d official and %d callback codes", len(all), officialCodes, len(callbackCodes))
	}
	// The API table in its order, then the callback codes -40001 … -40012.
	if first := all[0]; first.Code != -1 || first.ZH != "系统繁忙" {
		t.Errorf("List starts with %+v, want -1 系统繁忙", first)
	}
	for i, e := range all[len(all)-len(callbackCodes):] {
		if e.Code != -40001-i {
			t.Errorf("List entry %d from the end: %d, want the callback code %d", len(callbackCodes)-i, e.Code, -40001-i)
		}
	}
	listed := map[int]Entry{}
	for _, e := range all {
		listed[e.Code] = e
	}
	for code, zh := range map[int]string{0: "请求成功", 40001: "不合法的secret参数", 45009: "接口调用超过限制", 60020: "不安全的访问IP", 301042: "ip白名单限制，请求ip不在设置白名单范围"} {
		if e, ok := listed[code]; !ok || e.ZH != zh {
			t.Errorf("List lacks %d %s: %+v", code, zh, e)
		}
	}
	codes := func(es []Entry) map[int]bool {
		m := map[int]bool{}
		for _, e := range es {
			m[e.Code] = true
		}
		return m
	}
	got := codes(Search("IP", "whitelist"))
	if !got[60020] || !got[301042] {
		t.Errorf("search 'IP whitelist' misses 60020/301042: %v", got)
	}
	for c := range got {
		e, _ := Lookup(c)
		hay := strings.ToLower(e.ZH + e.EN)
		if !strings.Contains(hay, "ip") || !strings.Contains(hay, "whitelist") {
			t.Errorf("code %d matched without every word: %+v", c, e)
		}
	}
	if got := codes(Search("访问ip")); !got[60020] {
		t.Errorf("Chinese search misses 60020: %v", got)
	}
	if got := codes(Search("SIGNATURE mismatch")); !got[-40001] || !got[49004] {
		t.Errorf("case-insensitive search misses -40001/49004: %v", got)
	}
	// whole words: "ip" is not found inside description or relationship
	ip := codes(Search("ip"))
	if !ip[60020] || !ip[85007] || len(ip) > 12 {
		t.Errorf("search 'ip' must find the IP codes only, got %d: %v", len(ip), ip)
	}
	for c := range ip {
		e, _ := Lookup(c)
		if !regexp.MustCompile(`(?i)\bips?\b`).MatchString(e.EN) {
			t.Errorf("code %d matched 'ip' inside a word: %+v", c, e)
		}
	}
	if got := codes(Search("whitelist")); !got[301042] {
		t.Errorf("'whitelist' must find 'whitelisted' and 'whitelist': %v", got)
	}
	if got := codes(Search("suite_access_token")); len(got) == 0 {
		t.Error("a word with '_' matches as a substring")
	}
	if len(Search("no-such-word-anywhere")) != 0 || len(Search("  ")) != 0 {
		t.Error("search without matches or words must be empty")
	}
}

// The single-code fast path must agree with the parsed table for every code,
// and know nothing the table does not.
func TestLookupRowAgreesWithTable(t *testing.T) {
	tab := parseTable(errcodesTSV, fixes[:])
	for _, want := range tab.entries {
		got, ok := Lookup(want.Code)
		if !ok || got != want {
			t.Fatalf("Lookup(%d) = %+v, %v; table has %+v", want.Code, got, ok, want)
		}
	}
	for _, code := range []int{1, 4000, 600, 99999999, -40001} {
		if _, ok := Lookup(code); ok {
			t.Errorf("Lookup(%d) found a code that is not in the table", code)
		}
	}
	// "0001\t" inside another line, or a code that only prefixes another, must not match.
	tsv := "code\tzh\ten\n40001\tA\ta\n140001\tB\tb\n"
	if e, ok := lookupRow(tsv, nil, 40001); !ok || e.ZH != "A" {
		t.Fatalf("got %+v %v", e, ok)
	}
	if _, ok := lookupRow(tsv, nil, 1); ok {
		t.Fatal("matched inside another code")
	}
}
