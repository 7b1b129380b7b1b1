package signserve

import (
	"encoding/json"
	"strings"
)

// SnippetOptions fill the ww.register call Snippet prints.
type SnippetOptions struct {
	BaseURL string // the sign server, e.g. http://127.0.0.1:41234
	CorpID  string
	AgentID string // "" = no agent config
	SuiteID string // "" = no suite config
	Kinds   []Kind // the kinds this server can sign
}

// Snippet is a ready ww.register call for a local page: each callback
// fetches its signature from this server (ww.register, DOC 98706).
func Snippet(o SnippetOptions) string {
	has := map[Kind]bool{}
	for _, k := range o.Kinds {
		has[k] = true
	}
	fetch := func(kind Kind) string {
		q := "/signature?url="
		if kind != KindCorp {
			q = "/signature?type=" + string(kind) + "&url="
		}
		return "(url) => fetch(" + jsString(o.BaseURL+q) + " + encodeURIComponent(url)).then((r) => r.json())"
	}
	var b strings.Builder
	b.WriteString("ww.register({\n")
	b.WriteString("  corpId: " + jsString(o.CorpID) + ",\n")
	if has[KindAgent] && o.AgentID != "" {
		b.WriteString("  agentId: " + jsNumberOrString(o.AgentID) + ",\n")
	}
	if has[KindSuite] && o.SuiteID != "" {
		b.WriteString("  suiteId: " + jsString(o.SuiteID) + ",\n")
	}
	b.WriteString("  jsApiList: [\"getContext\"],\n")
	b.WriteString("  getConfigSignature: " + fetch(KindCorp) + ",\n")
	if has[KindAgent] && o.AgentID != "" {
		b.WriteString("  getAgentConfigSignature: " + fetch(KindAgent) + ",\n")
	}
	if has[KindSuite] && o.SuiteID != "" {
		b.WriteString("  getSuiteConfigSignature: " + fetch(KindSuite) + ",\n")
	}
	b.WriteString("});")
	return b.String()
}

// jsString is s as a JavaScript string literal (JSON is valid JS).
func jsString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // printed for a terminal, not inside HTML: keep & readable
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func jsNumberOrString(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return jsString(s)
		}
	}
	if s == "" || s[0] == '0' {
		return jsString(s)
	}
	return s
}
