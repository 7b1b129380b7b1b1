//go:build oracle

package jssdk

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/wwcli/wwcli/internal/testutil/oracle"
)

// Differential tests against the official npm packages, run with
//   go test -tags oracle ./pkg/jssdk/
// They need node and test/oracle/node_modules (@wecom/jssdk, @wecom/crypto).

const oracleSeed = 20240601 // fixed, so a failure reproduces

type oracleIn struct {
	Ticket    string `json:"ticket"`
	NonceStr  string `json:"nonceStr"`
	Timestamp int64  `json:"timestamp"`
	URL       string `json:"url"`
}

type oracleOut struct {
	JSSDK  string `json:"jssdk"`
	Crypto string `json:"crypto"`
	Href   string `json:"href"`
}

// oracleCase is one random input: raw is what the user passes (maybe with a
// fragment), in is what the JS packages get (the URL we actually sign).
type oracleCase struct {
	raw Request
	in  oracleIn
}

func TestOracleASCII(t *testing.T) {
	r := rand.New(rand.NewPCG(oracleSeed, 1))
	cases := make([]oracleCase, 1200)
	for i := range cases {
		cases[i] = randomCase(r, false)
	}
	outs := runOracle(t, cases)
	for i, c := range cases {
		res := mustSign(t, c)
		o := outs[i]
		if res.Signature != o.JSSDK || res.Signature != o.Crypto {
			t.Errorf("case %d %+v: ours %s, @wecom/jssdk %s, @wecom/crypto %s", i, c.in, res.Signature, o.JSSDK, o.Crypto)
		}
		if got := BrowserForm(res.URL); got != o.Href {
			t.Errorf("case %d: BrowserForm(%q) = %q, WHATWG URL gives %q", i, res.URL, got, o.Href)
		}
		if hasWarning(res.Warnings, WarnNonASCII, "") {
			t.Errorf("case %d: non-ASCII warning for ASCII URL %q", i, res.URL)
		}
	}
}

// For raw non-ASCII URLs @wecom/jssdk hashes only the low byte of each
// UTF-16 unit: it must differ from UTF-8 SHA-1 (which @wecom/crypto and we
// compute), match our emulation of it, and we must warn.
func TestOracleNonASCII(t *testing.T) {
	r := rand.New(rand.NewPCG(oracleSeed, 2))
	cases := make([]oracleCase, 400)
	for i := range cases {
		cases[i] = randomCase(r, true)
	}
	outs := runOracle(t, cases)
	for i, c := range cases {
		res := mustSign(t, c)
		o := outs[i]
		if res.Signature != o.Crypto {
			t.Errorf("case %d %+v: ours %s, @wecom/crypto %s", i, c.in, res.Signature, o.Crypto)
		}
		if o.JSSDK == res.Signature {
			t.Errorf("case %d %q: @wecom/jssdk agrees with UTF-8 SHA-1; the documented difference is gone", i, res.URL)
		}
		if low := LowByteSignature(c.in.Ticket, c.in.NonceStr, strconv.FormatInt(c.in.Timestamp, 10), res.URL); low != o.JSSDK {
			t.Errorf("case %d %q: LowByteSignature %s, @wecom/jssdk %s", i, res.URL, low, o.JSSDK)
		}
		if !hasWarning(res.Warnings, WarnNonASCII, o.Href) {
			t.Errorf("case %d: warnings %+v lack the browser form %q", i, res.Warnings, o.Href)
		}
	}
}

func mustSign(t *testing.T, c oracleCase) Result {
	t.Helper()
	res, err := c.raw.Sign()
	if err != nil {
		t.Fatalf("%+v: %v", c.raw, err)
	}
	if res.URL != c.in.URL {
		t.Fatalf("signed %q, expected %q", res.URL, c.in.URL)
	}
	return res
}

// runOracle feeds all cases to one node process, one JSON line each.
func runOracle(t *testing.T, cases []oracleCase) []oracleOut {
	t.Helper()
	ins := make([]oracleIn, len(cases))
	for i, c := range cases {
		ins[i] = c.in
	}
	return oracle.Run[oracleOut](t, oracle.JSSDK, ins)
}

const (
	lower      = "abcdefghijklmnopqrstuvwxyz"
	alnum      = lower + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	ticketSet  = alnum + "_-"
	segmentSet = alnum + "-._~!$&'()*+,;=:@"
	querySet   = alnum + "-._~!$&()*+,;=:@/?"
)

var (
	cjk   = []rune("中文例子页面测试企业微信签名")
	latin = []rune("éüñçåø")
	emoji = []rune("😀🚀")
	// IDN labels, also the ones UTS #46 maps before punycode: uppercase,
	// fullwidth letters, ß (kept by nontransitional processing), ligatures.
	hostLabels = []string{"例子", "企业微信", "münchen", "café", "测试", "MÜNCHEN", "Café", "ＡＢＣ", "Ｅxample",
		"Straße", "faß", "ﬁnance", "例子。ＣＯＭ"}
	// ASCII hosts that are already punycode, in any case.
	punyHosts = []string{"xn--fsqu00a.com", "XN--FSQU00A.COM", "xn--Mnchen-3ya.de", "xn--strae-oqa.DE"}
)

func pick(r *rand.Rand, set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}

func pickRunes(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		switch r.IntN(3) {
		case 0:
			b.WriteRune(cjk[r.IntN(len(cjk))])
		case 1:
			b.WriteRune(latin[r.IntN(len(latin))])
		default:
			b.WriteRune(emoji[r.IntN(len(emoji))])
		}
	}
	return b.String()
}

// randomCase builds a valid request. ASCII URLs mix schemes, case, ports
// (default ones too), IPs, paths with sub-delims and %XX escapes, empty
// paths with queries, and fragments. nonASCII puts raw non-ASCII text in
// the host, path or query (at least one).
func randomCase(r *rand.Rand, nonASCII bool) oracleCase {
	scheme := []string{"http", "https"}[r.IntN(2)]
	var host string
	switch r.IntN(5) {
	case 0:
		host = "127.0.0.1"
	case 1:
		host = "localhost"
	case 2:
		host = punyHosts[r.IntN(len(punyHosts))]
	default:
		host = pick(r, lower, 1+r.IntN(10)) + "." + pick(r, lower+"0123456789-", r.IntN(6)) + "x." + []string{"com", "cn", "qq.com"}[r.IntN(3)]
	}
	if r.IntN(5) == 0 {
		host = strings.ToUpper(host[:1]) + host[1:]
	}
	nonASCIIPart := -1
	if nonASCII {
		nonASCIIPart = r.IntN(3)
		if nonASCIIPart == 0 {
			host = hostLabels[r.IntN(len(hostLabels))] + "." + []string{"com", "cn", "中国"}[r.IntN(3)]
		}
	}
	authority := host
	switch r.IntN(4) {
	case 0:
		authority += ":" + strconv.Itoa(1+r.IntN(65535))
	case 1:
		authority += ":" + map[string]string{"http": "80", "https": "443"}[scheme]
	}
	var path strings.Builder
	for range r.IntN(5) {
		path.WriteString("/" + pick(r, alnum, 1) + pick(r, segmentSet, r.IntN(12)))
		if r.IntN(4) == 0 {
			fmt.Fprintf(&path, "%%%02X", r.IntN(256))
		}
	}
	if nonASCIIPart == 1 || (nonASCII && nonASCIIPart == 0 && r.IntN(2) == 0) {
		path.WriteString("/" + pickRunes(r, 1+r.IntN(4)))
	}
	if r.IntN(3) == 0 || (path.Len() == 0 && r.IntN(2) == 0) {
		path.WriteString("/")
	}
	query := ""
	if r.IntN(3) != 0 || nonASCIIPart == 2 {
		var q []string
		for range 1 + r.IntN(4) {
			v := pick(r, querySet, r.IntN(10))
			if r.IntN(4) == 0 {
				v += fmt.Sprintf("%%%02x", r.IntN(256))
			}
			q = append(q, pick(r, alnum, 1+r.IntN(5))+"="+v)
		}
		if nonASCIIPart == 2 {
			q = append(q, "q="+pickRunes(r, 1+r.IntN(5)))
		}
		query = "?" + strings.Join(q, "&")
	}
	signed := scheme + "://" + authority + path.String() + query
	raw := signed
	if r.IntN(4) == 0 {
		raw += "#" + pick(r, segmentSet+"/?#", r.IntN(15))
	}
	in := oracleIn{
		Ticket:    pick(r, ticketSet, 20+r.IntN(100)),
		NonceStr:  pick(r, alnum, 1+r.IntN(MaxNonceLen)),
		Timestamp: 1 + r.Int64N(9_999_999_999),
		URL:       signed,
	}
	return oracleCase{
		raw: Request{Ticket: in.Ticket, NonceStr: in.NonceStr, Timestamp: strconv.FormatInt(in.Timestamp, 10), URL: raw},
		in:  in,
	}
}
