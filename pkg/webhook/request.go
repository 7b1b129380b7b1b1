package webhook

import (
	"context"
	"io"

	"github.com/wwcli/wwcli/pkg/msgspec"
)

// Given is one message-kind flag the user set (see msgspec.Given).
type Given = msgspec.Given

// Request is what `wwcli webhook send` was given, before reading files.
type Request struct {
	Kinds          []Given  // every kind flag set; exactly one is allowed
	News           []string // --news values (repeatable)
	Mentions       []string
	MentionMobiles []string
	Truncate       bool
}

// Kinds are the message-kind flags of `wwcli webhook send` and the
// message types they send, in the order help lists them.
func Kinds() msgspec.Kinds {
	return msgspec.KindsFor(Text, Markdown, MarkdownV2, Image, File, Voice, News, TemplateCard)
}

// Input reads the request's arguments (text from "-" or "@FILE", JSON
// files) into an Input for Prepare.
func (r Request) Input(stdin io.Reader) (Input, error) {
	k, typ, err := Kinds().One(r.Kinds)
	if err != nil {
		return Input{}, err
	}
	in := Input{Type: typ, Mentions: r.Mentions, MentionMobiles: r.MentionMobiles, Truncate: r.Truncate}
	switch k.Flag {
	case "text", "markdown", "markdown-v2":
		in.Content, err = msgspec.ReadText("--"+k.Flag, k.Value, stdin)
	case "image", "file", "voice":
		in.Path = k.Value
	case "news":
		in.Articles, err = msgspec.ParseArticles("--news", r.News, msgspec.NewsRules{})
	case "template-card":
		in.Card, err = msgspec.ReadFileArg("--template-card", k.Value, stdin)
	case "body":
		in.Body, err = msgspec.ReadFileArg("--body", k.Value, stdin)
	}
	return in, err
}

// Deliver uploads the file of p when it needs one, then sends p.
func (s *Sender) Deliver(ctx context.Context, p *Prepared) (Answer, error) {
	mediaID := ""
	if p.Upload != nil {
		up, err := s.Upload(ctx, p.Upload)
		if err != nil {
			return up, err
		}
		mediaID = up.MediaID
	}
	return s.Send(ctx, p.Body(mediaID))
}
