// Package message builds and checks app messages (发送应用消息,
// /cgi-bin/message/send), uploads their media (media/upload,
// media/uploadimg), and reads WeCom's answer — including errcode 0 with
// invalid recipients, which it turns into an error unless allowed.
package message

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wwcli/wwcli/pkg/msgspec"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Endpoints.
const (
	SendPath      = "/cgi-bin/message/send"
	RecallPath    = "/cgi-bin/message/recall"
	UploadPath    = "/cgi-bin/media/upload"
	UploadImgPath = "/cgi-bin/media/uploadimg"
)

// Message types wwcli builds from flags; any other (mpnews,
// miniprogram_notice) goes through --body.
const (
	Text         = "text"
	Markdown     = "markdown"
	Image        = "image"
	Voice        = "voice"
	Video        = "video"
	File         = "file"
	TextCard     = "textcard"
	News         = "news"
	TemplateCard = "template_card"
)

// Types WeCom accepts in message/send (reference §2.2).
var Types = []string{"text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown",
	"miniprogram_notice", "template_card"}

// Limits (reference §2.1, §2.2).
const (
	MaxText      = 2048 // bytes, text and markdown
	MaxUsers     = 1000
	MaxGroups    = 100 // parties, tags
	MaxDedupe    = 4 * time.Hour
	MediaIDLabel = "media_id:" // --image media_id:ID sends an uploaded media
)

// Input is one app message as the user gave it.
type Input struct {
	To, ToParty, ToTag []string
	AgentID            int64
	Type               string
	Content            string // text, markdown
	Media              string // image/voice/video/file: a PATH, or media_id:ID
	Title, Description string // textcard, video
	URL, ButtonText    string // textcard
	Articles           []msgspec.Article
	Card               []byte
	Body               []byte // complete body (--body)
	Safe               bool
	Dedupe             time.Duration // 0 = WeCom's duplicate check off
	Truncate           bool
}

// Prepared is a message ready to send.
type Prepared struct {
	Type   string
	fields map[string]any
	raw    []byte // --body
	// Upload is the file to send to media/upload first.
	Upload *Upload
	Notes  []string
}

// Upload is one file for media/upload (or media/uploadimg).
type Upload struct {
	Type      string // image, voice, video, file
	Permanent bool   // media/uploadimg: answers a URL
	File      wecom.File
	Path      string
}

// MediaIDPlaceholder stands in for a media_id in a --dry-run body.
const MediaIDPlaceholder = "MEDIA_ID_FROM_UPLOAD"

// Body returns the JSON to send; mediaID fills the uploaded media.
func (p *Prepared) Body(mediaID string) []byte {
	if p.raw != nil {
		return p.raw
	}
	fields := p.fields
	if p.Upload != nil {
		fields = maps(p.fields)
		part := maps(fields[p.Type].(map[string]any))
		part["media_id"] = mediaID
		fields[p.Type] = part
	}
	b, _ := msgspec.Marshal(fields)
	return b
}

func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Prepare checks in and builds the body. Every problem is a
// *msgspec.InputError (exit 2), found before any request.
func Prepare(in Input) (*Prepared, error) {
	if in.AgentID <= 0 {
		return nil, msgspec.Errorf("no agent id: add --agent-id N (the app's AgentId), set WWCLI_AGENT_ID, or store it with 'wwcli auth login --agent-id N'")
	}
	if in.Dedupe != 0 && (in.Dedupe < time.Second || in.Dedupe > MaxDedupe || in.Dedupe%time.Second != 0) {
		return nil, msgspec.Errorf("--dedupe %s: give whole seconds from 1s to 4h (WeCom's duplicate_check_interval), e.g. --dedupe 30m", in.Dedupe)
	}
	if in.Body != nil {
		return prepareBody(in)
	}
	fields := map[string]any{"msgtype": in.Type, "agentid": in.AgentID}
	if err := recipients(in, fields); err != nil {
		return nil, err
	}
	if in.Safe {
		if in.Type == News || in.Type == TemplateCard {
			return nil, msgspec.Errorf("--safe does not work with %s (WeCom answers 40074); drop it", in.Type)
		}
		fields["safe"] = 1
	}
	if in.Dedupe > 0 {
		fields["enable_duplicate_check"] = 1
		fields["duplicate_check_interval"] = int(in.Dedupe / time.Second)
	}
	p := &Prepared{Type: in.Type, fields: fields}
	switch in.Type {
	case Text, Markdown:
		s, note, err := msgspec.Fit(in.Type, "--"+in.Type, in.Content, "", MaxText, in.Truncate)
		if err != nil {
			return nil, err
		}
		if note != "" {
			p.Notes = append(p.Notes, note)
		}
		fields[in.Type] = map[string]any{"content": s}
	case Image, Voice, Video, File:
		part := map[string]any{}
		if in.Type == Video {
			if in.Title != "" {
				part["title"] = in.Title
			}
			if in.Description != "" {
				part["description"] = in.Description
			}
		}
		fields[in.Type] = part
		if id, ok := strings.CutPrefix(in.Media, MediaIDLabel); ok {
			if id == "" {
				return nil, msgspec.Errorf("--%s %s: the media_id is missing after %q", in.Type, in.Media, MediaIDLabel)
			}
			part["media_id"] = id
			break
		}
		up, err := PrepareUpload("--"+in.Type, in.Media, in.Type, false)
		if err != nil {
			return nil, err
		}
		p.Upload = up
	case TextCard:
		if err := checkTextCard(in); err != nil {
			return nil, err
		}
		card := map[string]any{"title": in.Title, "description": in.Description, "url": in.URL}
		if in.ButtonText != "" {
			card["btntxt"] = in.ButtonText
		}
		fields[in.Type] = card
	case News:
		if err := msgspec.CheckArticles("--news", in.Articles, msgspec.NewsRules{MiniProgram: true}); err != nil {
			return nil, err
		}
		fields[in.Type] = map[string]any{"articles": in.Articles}
	case TemplateCard:
		card, err := msgspec.ReadCard("--template-card", in.Card, msgspec.AppCardTypes)
		if err != nil {
			return nil, err
		}
		fields[in.Type] = json.RawMessage(card)
	default:
		return nil, msgspec.Errorf("unknown message type %q", in.Type)
	}
	return p, nil
}

func checkTextCard(in Input) error {
	switch {
	case strings.TrimSpace(in.Title) == "":
		return msgspec.Errorf("--textcard needs a title (WeCom answers 41016)")
	case strings.TrimSpace(in.Description) == "":
		return msgspec.Errorf("--textcard needs --description (WeCom answers 41033)")
	case in.URL == "":
		return msgspec.Errorf("--textcard needs --url, the page the card opens (WeCom answers 41010)")
	case !strings.HasPrefix(in.URL, "http://") && !strings.HasPrefix(in.URL, "https://"):
		return msgspec.Errorf("--url %q: give the whole URL with http:// or https:// (WeCom answers 45034)", in.URL)
	case len(in.URL) > 2048:
		return msgspec.Errorf("--url is %d bytes; WeCom allows 2048", len(in.URL))
	case utf8.RuneCountInString(in.Title) > 128:
		return msgspec.Errorf("--textcard title is %d characters; WeCom allows 128", utf8.RuneCountInString(in.Title))
	case utf8.RuneCountInString(in.Description) > 512:
		return msgspec.Errorf("--description is %d characters; WeCom allows 512", utf8.RuneCountInString(in.Description))
	case utf8.RuneCountInString(in.ButtonText) > 4:
		return msgspec.Errorf("--btntxt %q: WeCom allows at most 4 characters", in.ButtonText)
	}
	return nil
}

// recipients fills touser/toparty/totag ("|"-joined) from the flags.
func recipients(in Input, fields map[string]any) error {
	users, parties, tags := split(in.To), split(in.ToParty), split(in.ToTag)
	if len(users)+len(parties)+len(tags) == 0 {
		return msgspec.Errorf("no recipients: add --to USERID (repeatable, or @all), --to-party ID or --to-tag ID")
	}
	if slices.Contains(users, "@all") && len(users) > 1 {
		return msgspec.Errorf("--to @all already means every member the app can see; drop the other --to values")
	}
	for _, c := range []struct {
		flag string
		list []string
		max  int
		key  string
	}{{"--to", users, MaxUsers, "touser"}, {"--to-party", parties, MaxGroups, "toparty"}, {"--to-tag", tags, MaxGroups, "totag"}} {
		if len(c.list) > c.max {
			return msgspec.Errorf("%s: %d recipients, %d over WeCom's limit of %d", c.flag, len(c.list), len(c.list)-c.max, c.max)
		}
		if c.key != "touser" {
			for _, id := range c.list {
				if strings.Trim(id, "0123456789") != "" {
					return msgspec.Errorf("%s %q: party and tag ids are numbers", c.flag, id)
				}
			}
		}
		if len(c.list) > 0 {
			fields[c.key] = strings.Join(c.list, "|")
		}
	}
	return nil
}

// split takes repeated flags, each of which may hold "a|b" or "a,b".
func split(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' }) {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// prepareBody checks a complete --body: a JSON object with a known
// msgtype, its content object and recipients. agentid is added from the
// credentials when the body has none; otherwise it is sent byte for byte.
func prepareBody(in Input) (*Prepared, error) {
	if len(in.To)+len(in.ToParty)+len(in.ToTag) > 0 || in.Safe || in.Dedupe != 0 || in.Truncate {
		return nil, msgspec.Errorf("--body is sent as is: put touser/toparty/totag, safe and enable_duplicate_check in it (the flags do not apply)")
	}
	raw := bytes.TrimSpace(in.Body)
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil || env == nil {
		return nil, msgspec.Errorf("--body: not a JSON object")
	}
	var typ string
	_ = json.Unmarshal(env["msgtype"], &typ)
	if !slices.Contains(Types, typ) {
		return nil, msgspec.Errorf("--body: msgtype %q: use one of %s (WeCom answers 40008)", typ, strings.Join(Types, ", "))
	}
	if part := env[typ]; len(part) == 0 || string(part) == "null" {
		return nil, msgspec.Errorf("--body: msgtype is %q but there is no %q object", typ, typ)
	}
	str := func(k string) string { var s string; _ = json.Unmarshal(env[k], &s); return s }
	if strings.TrimSpace(str("touser")+str("toparty")+str("totag")) == "" {
		return nil, msgspec.Errorf("--body: no recipients: set touser, toparty or totag (WeCom answers 82001)")
	}
	if typ == TemplateCard {
		if err := msgspec.CheckCard("--body", env[typ], msgspec.AppCardTypes); err != nil {
			return nil, err
		}
	}
	p := &Prepared{Type: typ, raw: raw}
	if _, ok := env["agentid"]; !ok {
		env["agentid"] = json.RawMessage(fmt.Sprint(in.AgentID))
		b, err := msgspec.Marshal(env)
		if err != nil {
			return nil, err
		}
		p.raw = b
		p.Notes = append(p.Notes, fmt.Sprintf("agentid %d added to --body", in.AgentID))
	}
	return p, nil
}

// PrepareUpload checks a file for media/upload (or media/uploadimg when
// permanent). typ "" is guessed from the content. flag names the argument.
func PrepareUpload(flag, path, typ string, permanent bool) (*Upload, error) {
	if path == "" {
		return nil, msgspec.Errorf("%s needs a file", flag)
	}
	if permanent {
		if typ != "" && typ != Image {
			return nil, msgspec.Errorf("--permanent uploads images only (media/uploadimg); drop --type %s", typ)
		}
		data, err := msgspec.ReadFile(flag, path, msgspec.PermanentImage)
		if err != nil {
			return nil, err
		}
		return &Upload{Type: Image, Permanent: true, File: wecom.File{Name: filepath.Base(path), Data: data}, Path: path}, nil
	}
	var data []byte
	var err error
	if typ == "" {
		// Read within the largest limit, then check the guessed type's.
		if data, err = msgspec.ReadFile(flag, path, msgspec.AppFile); err != nil {
			return nil, err
		}
		typ = msgspec.GuessType(data)
	}
	rule, ok := msgspec.AppRule(typ)
	if !ok {
		return nil, msgspec.Errorf("--type %q: use image, voice, video or file", typ)
	}
	if data == nil {
		data, err = msgspec.ReadFile(flag, path, rule)
	} else {
		err = msgspec.Check(flag, path, data, rule)
	}
	if err != nil {
		return nil, err
	}
	return &Upload{Type: typ, File: wecom.File{Name: filepath.Base(path), Data: data}, Path: path}, nil
}

// Request is the upload's POST (the session adds access_token).
func (u *Upload) Request() (wecom.Request, error) {
	if u.Permanent {
		return wecom.UploadRequest(UploadImgPath, nil, u.File)
	}
	return wecom.UploadRequest(UploadPath, map[string][]string{"type": {u.Type}}, u.File)
}
