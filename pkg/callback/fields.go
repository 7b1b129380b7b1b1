package callback

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
)

// Fields extracts the top-level fields of a decrypted message (flat XML
// children or JSON object members) as strings, for display and routing.
// It is best effort: nil when the message is neither.
func Fields(msg []byte) map[string]string {
	trimmed := bytes.TrimSpace(msg)
	if len(trimmed) == 0 {
		return nil
	}
	switch trimmed[0] {
	case '<':
		return xmlFields(trimmed)
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(trimmed, &m) != nil {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(bytes.TrimSpace(v))
			}
		}
		return out
	}
	return nil
}

func xmlFields(msg []byte) map[string]string {
	dec := xml.NewDecoder(bytes.NewReader(msg))
	out := map[string]string{}
	depth := 0
	var name string
	var text bytes.Buffer
	for i := 0; i < 100000; i++ { // bounded: a message has far fewer tokens
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				name = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				out[name] = text.String()
			}
			depth--
		}
	}
	return out
}

// sampleField is one field of a sample event, in order.
type sampleField struct {
	name   string
	value  string
	number bool // rendered without CDATA / quotes
}

// SampleKinds lists the built-in sample events for `callback send`.
var SampleKinds = []string{"text", "enter_agent", "change_contact"}

// SampleEvent renders a sample plaintext message of kind, in the syntax of
// format (XML for classic callbacks, JSON for JSON-type ones).
func SampleEvent(kind string, format Format, toUserName, agentID string, createTime int64) ([]byte, error) {
	if agentID == "" {
		agentID = "1000002"
	}
	ts := fmt.Sprint(createTime)
	base := []sampleField{{"ToUserName", toUserName, false}, {"FromUserName", "wwcli-test-user", false}, {"CreateTime", ts, true}}
	var fields []sampleField
	switch kind {
	case "text":
		fields = append(base, sampleField{"MsgType", "text", false}, sampleField{"Content", "hello from wwcli", false},
			sampleField{"MsgId", fmt.Sprint(createTime*1000 + 1), true}, sampleField{"AgentID", agentID, true})
	case "enter_agent":
		fields = append(base, sampleField{"MsgType", "event", false}, sampleField{"Event", "enter_agent", false},
			sampleField{"EventKey", "", false}, sampleField{"AgentID", agentID, true})
	case "change_contact":
		base[1].value = "sys"
		fields = append(base, sampleField{"MsgType", "event", false}, sampleField{"Event", "change_contact", false},
			sampleField{"ChangeType", "create_user", false}, sampleField{"UserID", "wwcli-new-user", false},
			sampleField{"Name", "wwcli 测试成员", false}, sampleField{"Department", "1", false})
	default:
		return nil, fmt.Errorf("unknown sample event %q: use one of text, enter_agent, change_contact, or a file", kind)
	}
	var b bytes.Buffer
	switch format {
	case FormatJSON:
		b.WriteByte('{')
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(f.name)
			b.Write(k)
			b.WriteByte(':')
			if f.number {
				b.WriteString(f.value)
			} else {
				v, _ := json.Marshal(f.value)
				b.Write(v)
			}
		}
		b.WriteByte('}')
	default:
		b.WriteString("<xml>")
		for _, f := range fields {
			v := f.value
			if !f.number {
				v = cdata(v)
			}
			b.WriteString("<" + f.name + ">" + v + "</" + f.name + ">")
		}
		b.WriteString("</xml>")
	}
	return b.Bytes(), nil
}
