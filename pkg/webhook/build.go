package webhook

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wwcli/wwcli/pkg/msgspec"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Message types a robot takes (reference §1.2).
const (
	Text         = "text"
	Markdown     = "markdown"
	MarkdownV2   = "markdown_v2"
	Image        = "image"
	News         = "news"
	File         = "file"
	Voice        = "voice"
	TemplateCard = "template_card"
)

// Types lists them in the order the docs do.
var Types = []string{Text, Markdown, MarkdownV2, Image, News, File, Voice, TemplateCard}

// Limits in bytes of UTF-8 (DOC 99110).
const (
	MaxText     = 2048
	MaxMarkdown = 4096
)

// Input is one message as the user gave it. Exactly one kind is set;
// the cmd layer has already read text arguments (msgspec.ReadText).
type Input struct {
	Type    string
	Content string // text, markdown, markdown_v2
	Path    string // image, file, voice
	// Articles for news.
	Articles []msgspec.Article
	// Card is a template card (already read; checked here).
	Card []byte
	// Body is a complete JSON body, sent as is after the same checks.
	Body []byte

	Mentions       []string // userids or @all
	MentionMobiles []string // mobile numbers or @all
	Truncate       bool
}

// Prepared is a message ready to send: its body, and the file to upload
// first when the type needs a media_id.
type Prepared struct {
	Type   string
	body   []byte // complete unless Upload is set
	Upload *Upload
	// Notes for the user (e.g. what --truncate cut).
	Notes []string
}

// Upload is a file that goes to webhook/upload_media before the message.
type Upload struct {
	Type string // file or voice
	File wecom.File
}

// MediaIDPlaceholder stands in for the media_id in a --dry-run body.
const MediaIDPlaceholder = "MEDIA_ID_FROM_UPLOAD"

// Body returns the JSON to send; mediaID fills file and voice messages.
func (p *Prepared) Body(mediaID string) []byte {
	if p.Upload == nil {
		return p.body
	}
	b, _ := envelope(p.Type, media{MediaID: mediaID})
	return b
}

type text struct {
	Content        string   `json:"content"`
	MentionedList  []string `json:"mentioned_list,omitempty"`
	MentionedPhone []string `json:"mentioned_mobile_list,omitempty"`
}

type content struct {
	Content string `json:"content"`
}

type image struct {
	Base64 string `json:"base64"`
	MD5    string `json:"md5"`
}

type media struct {
	MediaID string `json:"media_id"`
}

type news struct {
	Articles []msgspec.Article `json:"articles"`
}

// envelope is {"msgtype":T,"T":payload}, msgtype first as WeCom's docs
// write it.
func envelope(typ string, payload any) ([]byte, error) {
	t, err := msgspec.Marshal(typ)
	if err != nil {
		return nil, err
	}
	p, err := msgspec.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return []byte(`{"msgtype":` + string(t) + `,` + string(t) + `:` + string(p) + `}`), nil
}

// Prepare checks in against WeCom's rules and builds the body. Every
// problem is a *msgspec.InputError (exit 2), found before any request.
func Prepare(in Input) (*Prepared, error) {
	if in.Body != nil {
		return prepareBody(in)
	}
	if err := checkMentions(in.Type, in.Mentions, in.MentionMobiles); err != nil {
		return nil, err
	}
	p := &Prepared{Type: in.Type}
	var payload any
	switch in.Type {
	case Text:
		s, note, err := msgspec.Fit("text", "--text", in.Content, "", MaxText, in.Truncate)
		if err != nil {
			return nil, err
		}
		p.note(note)
		payload = text{Content: s, MentionedList: in.Mentions, MentionedPhone: in.MentionMobiles}
	case Markdown:
		s, note, err := msgspec.Fit("markdown", "--markdown", in.Content, markdownMentions(in.Mentions), MaxMarkdown, in.Truncate)
		if err != nil {
			return nil, err
		}
		p.note(note)
		payload = content{Content: s}
	case MarkdownV2:
		s, note, err := msgspec.Fit("markdown_v2", "--markdown-v2", in.Content, "", MaxMarkdown, in.Truncate)
		if err != nil {
			return nil, err
		}
		p.note(note)
		payload = content{Content: s}
	case Image:
		data, err := msgspec.ReadFile("--image", in.Path, msgspec.RobotImage)
		if err != nil {
			return nil, err
		}
		sum := md5.Sum(data)
		payload = image{Base64: base64.StdEncoding.EncodeToString(data), MD5: hex.EncodeToString(sum[:])}
	case File, Voice:
		rule := msgspec.RobotFile
		if in.Type == Voice {
			rule = msgspec.RobotVoice
		}
		data, err := msgspec.ReadFile("--"+in.Type, in.Path, rule)
		if err != nil {
			return nil, err
		}
		p.Upload = &Upload{Type: in.Type, File: wecom.File{Name: filepath.Base(in.Path), Data: data}}
		return p, nil
	case News:
		if err := msgspec.CheckArticles("--news", in.Articles, msgspec.NewsRules{}); err != nil {
			return nil, err
		}
		payload = news{Articles: in.Articles}
	case TemplateCard:
		card, err := msgspec.ReadCard("--template-card", in.Card, msgspec.RobotCardTypes)
		if err != nil {
			return nil, err
		}
		payload = json.RawMessage(compact(card))
	default:
		return nil, msgspec.Errorf("unknown robot message type %q: use one of %s", in.Type, strings.Join(Types, ", "))
	}
	b, err := envelope(in.Type, payload)
	if err != nil {
		return nil, err
	}
	p.body = b
	return p, nil
}

func (p *Prepared) note(n string) {
	if n != "" {
		p.Notes = append(p.Notes, n)
	}
}

func compact(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// markdownMentions is how markdown mentions: <@userid> in the content,
// put on a line of their own at the end so they survive --truncate.
func markdownMentions(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("<@" + id + ">")
	}
	return b.String()
}

// checkMentions: text takes mentioned_list and mentioned_mobile_list;
// markdown takes <@userid> only (no @all, no mobiles); the rest none.
func checkMentions(typ string, ids, mobiles []string) error {
	if len(ids) == 0 && len(mobiles) == 0 {
		return nil
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" || strings.ContainsAny(id, "<> \t\r\n") {
			return msgspec.Errorf("--mention %q: give a userid (as in the address book) or @all", id)
		}
	}
	for _, m := range mobiles {
		if m != "@all" && strings.Trim(m, "+0123456789-") != "" {
			return msgspec.Errorf("--mention-mobile %q: give a mobile number or @all", m)
		}
	}
	switch typ {
	case Text:
		return nil
	case Markdown:
		if len(mobiles) > 0 {
			return msgspec.Errorf("--mention-mobile works with --text only; markdown mentions by userid (--mention USERID)")
		}
		if slices.Contains(ids, "@all") {
			return msgspec.Errorf("--mention @all works with --text only; markdown mentions single users (<@userid>)")
		}
		return nil
	}
	return msgspec.Errorf("a %s message cannot mention anyone: --mention and --mention-mobile work with --text (mentioned_list) and --markdown (<@userid>, no @all or mobiles)", typ)
}

// prepareBody checks a complete body given with --body: its msgtype and
// the content WeCom requires, the same limits as the flags. It is sent
// byte for byte; mentions and --truncate do not apply.
func prepareBody(in Input) (*Prepared, error) {
	if len(in.Mentions) > 0 || len(in.MentionMobiles) > 0 || in.Truncate {
		return nil, msgspec.Errorf("--body is sent as is: put mentions in it, and shorten it yourself (--mention and --truncate do not apply)")
	}
	raw := bytes.TrimSpace(in.Body)
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil || env == nil {
		return nil, msgspec.Errorf("--body: not a JSON object (%v)", err)
	}
	var typ string
	_ = json.Unmarshal(env["msgtype"], &typ)
	if !slices.Contains(Types, typ) {
		return nil, msgspec.Errorf("--body: msgtype %q: robots take %s (WeCom answers 40008)", typ, strings.Join(Types, ", "))
	}
	part := env[typ]
	if len(part) == 0 || string(part) == "null" {
		return nil, msgspec.Errorf("--body: msgtype is %q but there is no %q object", typ, typ)
	}
	bad := func(format string, a ...any) error {
		return msgspec.Errorf("--body: "+format, a...)
	}
	switch typ {
	case Text, Markdown, MarkdownV2:
		var c content
		if err := json.Unmarshal(part, &c); err != nil || strings.TrimSpace(c.Content) == "" {
			return nil, bad("%s.content is empty (WeCom answers 44004)", typ)
		}
		limit := MaxMarkdown
		if typ == Text {
			limit = MaxText
		}
		if len(c.Content) > limit {
			return nil, bad("%s.content is %d bytes, %d over WeCom's limit of %d", typ, len(c.Content), len(c.Content)-limit, limit)
		}
	case Image:
		var im image
		if err := json.Unmarshal(part, &im); err != nil {
			return nil, bad("image: %v", err)
		}
		data, err := base64.StdEncoding.DecodeString(im.Base64)
		if err != nil || len(data) == 0 {
			return nil, bad("image.base64 is not base64 of an image")
		}
		if err := msgspec.Check("--body", "image", data, msgspec.RobotImage); err != nil {
			return nil, err
		}
		sum := md5.Sum(data)
		if !strings.EqualFold(im.MD5, hex.EncodeToString(sum[:])) {
			return nil, bad("image.md5 is not the md5 of the decoded image (WeCom answers 301019); it is %s", hex.EncodeToString(sum[:]))
		}
	case News:
		var n news
		if err := json.Unmarshal(part, &n); err != nil {
			return nil, bad("news: %v", err)
		}
		if err := msgspec.CheckArticles("--body", n.Articles, msgspec.NewsRules{}); err != nil {
			return nil, err
		}
	case File, Voice:
		var m media
		if err := json.Unmarshal(part, &m); err != nil || m.MediaID == "" {
			return nil, bad("%s.media_id is required (upload with 'wwcli webhook upload')", typ)
		}
	case TemplateCard:
		if err := msgspec.CheckCard("--body", part, msgspec.RobotCardTypes); err != nil {
			return nil, err
		}
	}
	return &Prepared{Type: typ, body: raw}, nil
}
