package callback

import (
	"strings"
	"testing"
)

func TestParseEnvelopeOfficialBodies(t *testing.T) {
	vs := loadVectors(t)
	// The py-sample request body (CDATA, newlines) and the Go JSON sample body.
	xmlBody := "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[" + vs[1].Encrypt +
		"]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
	jsonBody := `{"tousername":"wx5823bf96d3bd56c7","encrypt":"` + vs[4].Encrypt + `","agentid":"218"}`
	cases := []struct {
		body    string
		v       vector
		format  Format
		to, agt string
	}{
		{xmlBody, vs[1], FormatXML, "ww1436e0e65a779aee", "1000002"},
		{jsonBody, vs[4], FormatJSON, "wx5823bf96d3bd56c7", "218"},
		{`{"encrypt":"` + vs[4].Encrypt + `","agentid":218}`, vs[4], FormatJSON, "", "218"},
		{"\ufeff  " + xmlBody + "\n", vs[1], FormatXML, "ww1436e0e65a779aee", "1000002"},
	}
	for i, tc := range cases {
		env, err := ParseEnvelope([]byte(tc.body))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if env.Format != tc.format || env.ToUserName != tc.to || env.AgentID != tc.agt || env.Encrypt != tc.v.Encrypt {
			t.Fatalf("case %d: %+v", i, env)
		}
		c, _ := New(tc.v.Token, tc.v.EncodingAESKey, tc.v.ReceiveID)
		o, err := c.Open([]byte(tc.body), Params{tc.v.MsgSignature, tc.v.Timestamp, tc.v.Nonce})
		if err != nil || string(o.Plaintext.Message) != tc.v.Message {
			t.Fatalf("case %d open: %v", i, err)
		}
	}
}

func TestParseEnvelopeRejects(t *testing.T) {
	for _, body := range []string{"", "   ", "hello", "<xml><Encrypt>", "<xml></xml>", "{}", `{"encrypt":""}`, `{"encrypt":[1]}`, "[1,2]", "<other><Encrypt>x</Encrypt></other>"} {
		if _, err := ParseEnvelope([]byte(body)); CodeOf(err) != CodeParse {
			t.Errorf("%q: %v", body, err)
		}
	}
}

func TestRequestAndReplyBodies(t *testing.T) {
	b, _ := RequestBody(FormatXML, "to]]>x", "1", "ENC")
	env, err := ParseEnvelope(b)
	if err != nil || env.ToUserName != "to]]>x" || env.Encrypt != "ENC" {
		t.Fatalf("CDATA must survive ]]>: %s %v", b, err)
	}
	r, _ := ReplyBody(FormatXML, "ENC", "SIG", "123", "N")
	want := "<xml>\n<Encrypt><![CDATA[ENC]]></Encrypt>\n<MsgSignature><![CDATA[SIG]]></MsgSignature>\n<TimeStamp>123</TimeStamp>\n<Nonce><![CDATA[N]]></Nonce>\n</xml>"
	if string(r) != want {
		t.Fatalf("XML reply:\n%s", r)
	}
	j, _ := ReplyBody(FormatJSON, "A+/=", "SIG", "123", "N")
	if string(j) != `{"encrypt":"A+/=","msgsignature":"SIG","timestamp":"123","nonce":"N"}` {
		t.Fatalf("JSON reply: %s", j)
	}
	if _, err := RequestBody("yaml", "", "", ""); CodeOf(err) != CodeIllegalProtocol {
		t.Fatal(err)
	}
	if _, err := ReplyBody("yaml", "", "", "", ""); CodeOf(err) != CodeGenReturn {
		t.Fatal(err)
	}
	if f, err := ParseFormat("JSON"); err != nil || f != FormatJSON {
		t.Fatal(f, err)
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Fatal("yaml accepted")
	}
}

func TestFieldsAndSamples(t *testing.T) {
	vs := loadVectors(t)
	f := Fields([]byte(vs[2].Message))
	if f["MsgType"] != "text" || f["Content"] != "hello" || f["AgentID"] != "218" {
		t.Fatalf("xml fields: %v", f)
	}
	f = Fields([]byte(vs[4].Message))
	if f["MsgType"] != "text" || f["MsgId"] != "4561255354251345929" {
		t.Fatalf("json fields: %v", f)
	}
	if Fields([]byte("1288432023552776189")) != nil || Fields(nil) != nil || Fields([]byte("<xml><a>")) != nil {
		t.Fatal("non-messages have no fields")
	}
	for _, kind := range SampleKinds {
		for _, format := range []Format{FormatXML, FormatJSON} {
			msg, err := SampleEvent(kind, format, "wwcorp", "", 1700000000)
			if err != nil {
				t.Fatal(err)
			}
			f := Fields(msg)
			if f["ToUserName"] != "wwcorp" || f["CreateTime"] != "1700000000" {
				t.Fatalf("%s/%s: %s", kind, format, msg)
			}
			if kind != "text" && f["Event"] != kind {
				t.Fatalf("%s/%s: %s", kind, format, msg)
			}
		}
	}
	if _, err := SampleEvent("nope", FormatXML, "", "", 0); err == nil || !strings.Contains(err.Error(), "enter_agent") {
		t.Fatal(err)
	}
}
