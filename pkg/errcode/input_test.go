package errcode

import (
	"strings"
	"testing"
	"time"
)

func TestParseInput(t *testing.T) {
	const msg = "not allow to access from your ip, hint: [1706848717432011565347844], from ip: 139.227.20.128, more info at https://open.work.weixin.qq.com/devtool/query?e=60020"
	cases := []struct {
		in   string
		want []Query
	}{
		{"60020", []Query{{Code: 60020}}},
		{" -40001 ", []Query{{Code: -40001}}},
		{"-1", []Query{{Code: -1}}},
		{msg, []Query{{60020, msg}}},
		{`{"errcode":40029,"errmsg":"invalid code"}`, []Query{{40029, "invalid code"}}},
		{`{"errcode":"42001","errmsg":"access_token expired"}`, []Query{{42001, "access_token expired"}}},
		{`{"errmsg":"` + msg + `"}`, []Query{{60020, msg}}},
		{`{"errcode":0,"errmsg":"ok","access_token":"x"}`, []Query{{0, "ok"}}},
		{`[60020, {"errcode":40014,"errmsg":"invalid access_token"}]`, []Query{{Code: 60020}, {40014, "invalid access_token"}}},
		{`errcode=45009 errmsg=api freq out of limit`, []Query{{45009, "errcode=45009 errmsg=api freq out of limit"}}},
		{`"errcode": 48002, "errmsg": "api forbidden"`, []Query{{48002, `"errcode": 48002, "errmsg": "api forbidden"`}}},
		// the errcode --help example: the more-info link shortened as docs write it
		{`invalid credential, hint: [...], more info at ...?e=40001`, []Query{{40001, `invalid credential, hint: [...], more info at ...?e=40001`}}},
		// a log line that starts with a bracketed time is not JSON
		{`[2024-05-01 12:00:00] ERROR errcode=60020 not allow`, []Query{{60020, `[2024-05-01 12:00:00] ERROR errcode=60020 not allow`}}},
	}
	for _, c := range cases {
		got, err := ParseInput(c.in)
		if err != nil {
			t.Errorf("ParseInput(%q): %v", c.in, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("ParseInput(%q) = %+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("ParseInput(%q)[%d] = %+v, want %+v", c.in, i, got[i], c.want[i])
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
		`[not json]`:                  "invalid JSON",
		`"60020"`:                     "has no errcode",
		"more info at ...":            "has no errcode",
	} {
		_, err := ParseInput(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseInput(%q) error = %v, want it to contain %q", in, err, want)
		}
	}
}

func TestSplitInput(t *testing.T) {
	in := "60020\n\n  {\n  \"errcode\": 40029,\n  \"errmsg\": \"invalid code\"\n}\r\n-40001\r\n{\"errcode\":1}{\"errcode\":2}\n{not json\nlast"
	want := []string{"60020", "{\n  \"errcode\": 40029,\n  \"errmsg\": \"invalid code\"\n}", "-40001", `{"errcode":1}`, `{"errcode":2}`, "{not json", "last"}
	if got := SplitInput(in); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("SplitInput:\n got %q\nwant %q", got, want)
	}
	if len(SplitInput(" \n\t\n")) != 0 {
		t.Error("blank stdin has no items")
	}
	cases := map[string][]string{
		// brackets inside strings do not count
		"{\"errmsg\":\"a ] } [ {\",\n\"errcode\":1}\nx": {"{\"errmsg\":\"a ] } [ {\",\n\"errcode\":1}", "x"},
		// an escaped quote does not end the string
		`{"errmsg":"say \"}\"","errcode":2}`: {`{"errmsg":"say \"}\"","errcode":2}`},
		// a string cut by a newline makes every line its own item
		"{\"errmsg\":\"cut\n\"}\n": {"{\"errmsg\":\"cut", "\"}"},
		// a broken outer value: the inner one on its own line is still found
		"[\n{\"errcode\":5}\n x ]": {"[", `{"errcode":5}`, "x ]"},
		// nested pretty-printed values
		"[\n  {\n    \"errcode\": 7\n  }\n]\n": {"[\n  {\n    \"errcode\": 7\n  }\n]"},
		// unclosed
		"[\n[\n60020": {"[", "[", "60020"},
		"[1 [2]]\n":   {"[1 [2]]"},
	}
	for in, want := range cases {
		if got := SplitInput(in); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("SplitInput(%q):\n got %q\nwant %q", in, got, want)
		}
	}
}

// 160 KB of "[" lines took 54 s (every line parsed to the end of the input);
// each shape here must split in well under a second.
func TestSplitInputIsLinear(t *testing.T) {
	const n = 80000
	for name, in := range map[string]string{
		"open brackets":     strings.Repeat("[\n", n),
		"nested and broken": strings.Repeat("[\n", n/2) + "x\n" + strings.Repeat("]\n", n/2),
		"log lines":         strings.Repeat("[2024-05-01 12:00:00] errcode=60020\n", n/20),
		"open objects":      strings.Repeat("{\"errmsg\":\"x\",\n", n/4),
	} {
		start := time.Now()
		items := SplitInput(in)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: %d bytes took %s", name, len(in), d)
		}
		if len(items) == 0 {
			t.Errorf("%s: no items", name)
		}
	}
}

// FuzzParseInput: any argument or stdin text gives queries or an error,
// never a panic; SplitInput only returns trimmed, non-empty pieces of its input.
func FuzzParseInput(f *testing.F) {
	for _, s := range []string{"60020", "-40001", `{"errcode":1,"errmsg":"x"}`, "[1,{\"errcode\":\"2\"}]",
		"errcode=45009", "{\n\"errcode\":\n", "more info at https://open.work.weixin.qq.com/devtool/query?e=7", "-", "",
		"[\n{\"a\":\"]\"}\n]", "more info at ...?e=5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, item := range append(SplitInput(s), s) {
			if qs, err := ParseInput(item); err == nil && len(qs) == 0 {
				t.Fatalf("ParseInput(%q) returned no queries and no error", item)
			}
		}
		for _, item := range SplitInput(s) {
			if item == "" || item != strings.TrimSpace(item) || !strings.Contains(s, item) {
				t.Fatalf("SplitInput(%q) returned %q", s, item)
			}
		}
	})
}
