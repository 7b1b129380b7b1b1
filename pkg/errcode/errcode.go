// Package errcode is wwcli's offline knowledge of WeCom error codes: the
// official table (embedded, parsed on first use), fix guidance written for
// the codes developers hit most, the separate table of callback-crypto
// library codes (-40001…-40012), and a parser for the hint, from ip and
// more-info link that WeCom hides in every errmsg.
//
// It knows nothing about terminals: Short returns plain text and callers
// decide how to show it.
package errcode

import (
	"strconv"
	"strings"
)

// Entry is one row of a code table.
type Entry struct {
	Code int
	ZH   string // official Chinese meaning
	EN   string // English meaning
	Fix  string // our guidance; "" when we have none
}

// Explanation is everything wwcli can say about one failure.
type Explanation struct {
	Code   int    `json:"errcode"`
	Errmsg string `json:"errmsg"` // the original errmsg, "" when only a code was given
	Known  bool   `json:"known"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
	Fix    string `json:"fix"`

	Hint        string `json:"hint"`
	FromIP      string `json:"from_ip"`
	MoreInfoURL string `json:"more_info_url"` // always set

	Callback bool `json:"-"` // Code is a callback-crypto library code, not an API errcode
}

// DevtoolBase is WeCom's online error-code tool; it accepts any numeric code.
const DevtoolBase = "https://open.work.weixin.qq.com/devtool/query?e="

// CallbackDocURL documents the callback encryption scheme and its library
// return codes (the devtool does not know negative codes).
const CallbackDocURL = "https://developer.work.weixin.qq.com/document/path/90968"

// DevtoolURL is the online lookup for code.
func DevtoolURL(code int) string { return DevtoolBase + strconv.Itoa(code) }

// Lookup finds an API errcode in the embedded table. Negative library codes
// other than -1 live in Callback.
func Lookup(code int) (Entry, bool) {
	return lookupRow(errcodesTSV, fixes[:], code)
}

// Explain never fails: unknown codes still get the devtool URL. Negative
// codes that are not API errcodes are explained from the callback table.
func Explain(code int, errmsg string) Explanation {
	e := Explanation{Code: code, Errmsg: errmsg, MoreInfoURL: DevtoolURL(code)}
	e.Hint, e.FromIP, _ = ParseErrmsg(errmsg)
	if ent, ok := Lookup(code); ok {
		e.Known, e.ZH, e.EN, e.Fix = true, ent.ZH, ent.EN, ent.Fix
		return e
	}
	if ent, ok := Callback(code); ok {
		e.Known, e.ZH, e.EN, e.Fix = true, ent.ZH, ent.EN, ent.Fix
		e.Callback = true
		e.MoreInfoURL = CallbackDocURL
	}
	return e
}

// Title is the first line of an explanation, e.g.
// "errcode 60020 (不安全的访问IP / Untrusted source IP ...)".
func (e Explanation) Title() string {
	kind := "errcode"
	if e.Callback {
		kind = "callback code"
	}
	head := kind + " " + strconv.Itoa(e.Code)
	en := strings.TrimPrefix(e.EN, CallbackLabel) // the note says it instead
	switch {
	case !e.Known:
		return head + " (not in wwcli's table)"
	case e.ZH != "" && en != "":
		return head + " (" + e.ZH + " / " + en + ")"
	default:
		return head + " (" + e.ZH + en + ")"
	}
}

// Field is one labelled line under the title.
type Field struct{ Label, Value string }

// Fields lists what we know beyond the title, in display order. Labels are
// lower-case words: errmsg, hint, from ip, note, fix, more.
func (e Explanation) Fields() []Field {
	var fs []Field
	if msg := TrimErrmsg(e.Errmsg); msg != "" {
		fs = append(fs, Field{"errmsg", msg})
	}
	if e.Hint != "" {
		fs = append(fs, Field{"hint", e.Hint})
	}
	if ip := e.fromIPLine(); ip != "" {
		fs = append(fs, Field{"from ip", ip})
	}
	if note := e.note(); note != "" {
		fs = append(fs, Field{"note", note})
	}
	if e.Fix != "" {
		fs = append(fs, Field{"fix", e.Fix})
	}
	more := e.MoreInfoURL
	if !e.Known {
		more += " (WeCom's own lookup may know newer codes)"
	}
	fs = append(fs, Field{"more", more})
	return fs
}

// fromIPLine adds the whitelist advice to the caller's egress IP for the
// codes where that IP is the whole problem.
func (e Explanation) fromIPLine() string {
	advice := ipAdvice(e.Code)
	ipCode := advice != "" && !e.Callback
	switch {
	case e.FromIP != "" && ipCode:
		return e.FromIP + " → " + advice
	case e.FromIP != "":
		return e.FromIP
	case ipCode && e.Errmsg != "":
		return "(not reported) → " + advice
	}
	return ""
}

func ipAdvice(code int) string {
	switch code {
	case 60020:
		return "add this IP to 企业可信IP (or to the provider IP whitelist for third-party and 代开发 apps)"
	case 48009:
		return "the contact-sync assistant may not read contact details from this new IP"
	case 301042:
		return "add this IP to the IP whitelist of the feature you call"
	}
	return ""
}

// note warns about look-alike codes.
func (e Explanation) note() string {
	if e.Callback {
		api := "no API errcode"
		if ent, ok := Lookup(-e.Code); ok {
			api = "API errcode " + strconv.Itoa(-e.Code) + " (" + ent.ZH + ")"
		}
		return "a callback-crypto library code (WXBizMsgCrypt), not a WeCom API errcode; unrelated to " + api
	}
	return ""
}

// Short is the plain multi-line text printed whenever a WeCom call fails:
//
//	errcode 60020 (不安全的访问IP / ...): not allow to access from your ip
//	  hint: 1706848717432011565347844   from ip: 139.227.20.128 → add this IP to 企业可信IP ...
//	  fix: ...
//	  more: https://open.work.weixin.qq.com/devtool/query?e=60020
func (e Explanation) Short() string {
	var b strings.Builder
	b.WriteString(e.Title())
	var ids []string
	for _, f := range e.Fields() {
		switch f.Label {
		case "errmsg":
			b.WriteString(": " + f.Value)
		case "hint", "from ip":
			ids = append(ids, f.Label+": "+f.Value)
		default:
			if len(ids) > 0 {
				b.WriteString("\n  " + strings.Join(ids, "   "))
				ids = nil
			}
			b.WriteString("\n  " + f.Label + ": " + f.Value)
		}
	}
	return b.String()
}
