package callback

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
)

// Format is the envelope syntax: WeCom sends XML for classic callbacks and
// JSON for JSON-type callbacks and smart robots.
type Format string

// The two envelope formats.
const (
	FormatXML  Format = "xml"
	FormatJSON Format = "json"
)

// ParseFormat accepts "xml" or "json".
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(s)) {
	case FormatXML:
		return FormatXML, nil
	case FormatJSON:
		return FormatJSON, nil
	}
	return "", errorf(CodeIllegalProtocol, "format must be xml or json, not %q", s)
}

// Envelope is a request body (ToUserName, Encrypt, AgentID) or a passive
// reply (Encrypt, MsgSignature, TimeStamp, Nonce); one type reads both.
type Envelope struct {
	Format       Format
	ToUserName   string
	AgentID      string
	Encrypt      string
	MsgSignature string
	TimeStamp    string
	Nonce        string
}

type xmlEnvelope struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	AgentID      string   `xml:"AgentID"`
	Encrypt      string   `xml:"Encrypt"`
	MsgSignature string   `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        string   `xml:"Nonce"`
}

// flexString accepts a JSON string or number: agentid and timestamp come
// both ways in the wild.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

type jsonEnvelope struct {
	ToUserName   flexString `json:"tousername"`
	AgentID      flexString `json:"agentid"`
	Encrypt      flexString `json:"encrypt"`
	MsgSignature flexString `json:"msgsignature"`
	TimeStamp    flexString `json:"timestamp"`
	Nonce        flexString `json:"nonce"`
}

// ParseEnvelope reads an XML or JSON envelope, deciding by its first
// non-space byte. A missing Encrypt field is an error.
func ParseEnvelope(body []byte) (*Envelope, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	var env Envelope
	switch {
	case len(trimmed) == 0:
		return nil, errorf(CodeParse, "the body is empty; expected an XML <xml><Encrypt>…</Encrypt></xml> or JSON {\"encrypt\":…} envelope")
	case trimmed[0] == '<':
		var x xmlEnvelope
		if err := xml.Unmarshal(trimmed, &x); err != nil {
			return nil, &Error{Code: CodeParse, Detail: "the body is not a WeCom XML envelope: " + err.Error(), Err: err}
		}
		env = Envelope{Format: FormatXML, ToUserName: x.ToUserName, AgentID: x.AgentID, Encrypt: x.Encrypt,
			MsgSignature: x.MsgSignature, TimeStamp: x.TimeStamp, Nonce: x.Nonce}
	case trimmed[0] == '{':
		var j jsonEnvelope
		if err := json.Unmarshal(trimmed, &j); err != nil {
			return nil, &Error{Code: CodeParse, Detail: "the body is not a WeCom JSON envelope: " + err.Error(), Err: err}
		}
		env = Envelope{Format: FormatJSON, ToUserName: string(j.ToUserName), AgentID: string(j.AgentID), Encrypt: string(j.Encrypt),
			MsgSignature: string(j.MsgSignature), TimeStamp: string(j.TimeStamp), Nonce: string(j.Nonce)}
	default:
		return nil, errorf(CodeParse, "the body is neither XML nor JSON; expected a WeCom callback envelope")
	}
	env.Encrypt = strings.TrimSpace(env.Encrypt)
	if env.Encrypt == "" {
		return nil, errorf(CodeParse, "the envelope has no Encrypt field")
	}
	return &env, nil
}

// cdata wraps s in CDATA, splitting any "]]>" so s cannot end the section.
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// RequestBody renders the envelope WeCom POSTs to a callback URL.
func RequestBody(format Format, toUserName, agentID, encrypt string) ([]byte, error) {
	switch format {
	case FormatXML:
		return []byte("<xml><ToUserName>" + cdata(toUserName) + "</ToUserName><Encrypt>" + cdata(encrypt) +
			"</Encrypt><AgentID>" + cdata(agentID) + "</AgentID></xml>"), nil
	case FormatJSON:
		m := map[string]string{"tousername": toUserName, "encrypt": encrypt, "agentid": agentID}
		return marshalJSON(m)
	}
	return nil, errorf(CodeIllegalProtocol, "format must be xml or json, not %q", format)
}

// ReplyBody renders a passive reply envelope (https://developer.work.weixin.qq.com/document/path/90968).
func ReplyBody(format Format, encrypt, msgSignature, timestamp, nonce string) ([]byte, error) {
	switch format {
	case FormatXML:
		return []byte("<xml>\n<Encrypt>" + cdata(encrypt) + "</Encrypt>\n<MsgSignature>" + cdata(msgSignature) +
			"</MsgSignature>\n<TimeStamp>" + xmlText(timestamp) + "</TimeStamp>\n<Nonce>" + cdata(nonce) + "</Nonce>\n</xml>"), nil
	case FormatJSON:
		return marshalJSON(struct {
			Encrypt      string `json:"encrypt"`
			MsgSignature string `json:"msgsignature"`
			TimeStamp    string `json:"timestamp"`
			Nonce        string `json:"nonce"`
		}{encrypt, msgSignature, timestamp, nonce})
	}
	return nil, errorf(CodeGenReturn, "format must be xml or json, not %q", format)
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, &Error{Code: CodeGenReturn, Detail: "cannot render JSON", Err: err}
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
