package message

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wwcli/wwcli/pkg/msgspec"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// Given is one message-kind flag the user set (see msgspec.Given).
type Given = msgspec.Given

// Kinds are the message-kind flags of `wwcli message send` and the
// message types they send, in help order.
func Kinds() msgspec.Kinds {
	return msgspec.KindsFor(Text, Markdown, Image, Voice, Video, File, TextCard, News, TemplateCard)
}

// Request is what `wwcli message send` was given, before reading files.
type Request struct {
	Kinds              []Given
	News               []string
	To, ToParty, ToTag []string
	Title, Description string // textcard (--textcard is the title), video
	URL, ButtonText    string // textcard
	Safe               bool
	Dedupe             time.Duration
	Truncate           bool
}

// Input reads the request's arguments into an Input for Prepare; agentID
// is the resolved --agent-id / WWCLI_AGENT_ID / profile value.
func (r Request) Input(stdin io.Reader, agentID string) (Input, error) {
	k, typ, err := Kinds().One(r.Kinds)
	if err != nil {
		return Input{}, err
	}
	in := Input{Type: typ, To: r.To, ToParty: r.ToParty, ToTag: r.ToTag, Safe: r.Safe, Dedupe: r.Dedupe, Truncate: r.Truncate,
		Title: r.Title, Description: r.Description, URL: r.URL, ButtonText: r.ButtonText}
	if agentID != "" {
		n, err := strconv.ParseInt(agentID, 10, 64)
		if err != nil || n <= 0 {
			return Input{}, msgspec.Errorf("agent id %q: the app's AgentId is a positive integer", agentID)
		}
		in.AgentID = n
	}
	if k.Flag != "textcard" && k.Flag != "video" && (r.Title != "" || r.Description != "") {
		return Input{}, msgspec.Errorf("--title and --description go with --textcard or --video")
	}
	if k.Flag != "textcard" && (r.URL != "" || r.ButtonText != "") {
		return Input{}, msgspec.Errorf("--url and --btntxt go with --textcard")
	}
	switch k.Flag {
	case "text", "markdown":
		in.Content, err = msgspec.ReadText("--"+k.Flag, k.Value, stdin)
	case "image", "voice", "video", "file":
		in.Media = k.Value
	case "textcard":
		if r.Title != "" {
			return Input{}, msgspec.Errorf("--textcard TITLE is the title: drop --title")
		}
		in.Title = k.Value
	case "news":
		in.Articles, err = msgspec.ParseArticles("--news", r.News, msgspec.NewsRules{MiniProgram: true})
	case "template-card":
		in.Card, err = msgspec.ReadFileArg("--template-card", k.Value, stdin)
	case "body":
		in.Body, err = msgspec.ReadFileArg("--body", k.Value, stdin)
	}
	return in, err
}

// Caller sends an authenticated request (cmdutil.Session.Call).
type Caller interface {
	Call(ctx context.Context, req wecom.Request, out any) (json.RawMessage, error)
}

// Uploaded is WeCom's answer to an upload.
type Uploaded struct {
	Raw     json.RawMessage
	MediaID string // media/upload
	URL     string // media/uploadimg
}

// UploadFile sends u and returns its media_id (or URL when permanent).
func UploadFile(ctx context.Context, c Caller, u *Upload) (Uploaded, error) {
	req, err := u.Request()
	if err != nil {
		return Uploaded{}, err
	}
	var out struct {
		MediaID string `json:"media_id"`
		URL     string `json:"url"`
	}
	raw, err := c.Call(ctx, req, &out)
	if err != nil {
		return Uploaded{Raw: raw}, err
	}
	if out.MediaID == "" && out.URL == "" {
		return Uploaded{Raw: raw}, fmt.Errorf("%s answered without a media_id", req.Path)
	}
	return Uploaded{Raw: raw, MediaID: out.MediaID, URL: out.URL}, nil
}

// Send uploads p's media when needed, sends p and reads the answer. It
// returns the answer even when the error is a *PartialError.
func Send(ctx context.Context, c Caller, p *Prepared) (Result, json.RawMessage, error) {
	mediaID := ""
	if p.Upload != nil {
		up, err := UploadFile(ctx, c, p.Upload)
		if err != nil {
			return Result{}, up.Raw, err
		}
		mediaID = up.MediaID
	}
	raw, err := c.Call(ctx, wecom.Request{Method: http.MethodPost, Path: SendPath, Body: json.RawMessage(p.Body(mediaID))}, nil)
	if err != nil {
		return Result{}, raw, err
	}
	r, err := ParseResult(raw)
	if err != nil {
		return r, raw, err
	}
	if len(r.Skipped()) > 0 {
		return r, raw, &PartialError{Result: r}
	}
	return r, raw, nil
}

// Recall withdraws a message sent within the last 24 hours.
func Recall(ctx context.Context, c Caller, msgID string) (json.RawMessage, error) {
	if strings.TrimSpace(msgID) == "" {
		return nil, msgspec.Errorf("give the MSGID that 'wwcli message send' printed")
	}
	return c.Call(ctx, wecom.Request{Method: http.MethodPost, Path: RecallPath, Body: map[string]string{"msgid": msgID}}, nil)
}
