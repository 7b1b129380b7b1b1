// Package message is `wwcli message`: app messages (发送应用消息).
package message

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	msg "github.com/wwcli/wwcli/pkg/message"
	"github.com/wwcli/wwcli/pkg/msgspec"
)

// NewCmd builds `wwcli message`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "message <command>",
		Short: "Send and recall app messages (发送应用消息)",
		Long: `Send messages from a WeCom app to members, departments or tags, and recall
them. Credentials work as for every other command: positional CORPID SECRET,
--corp-id with --secret-file/--secret-stdin, WWCLI_CORP_ID/WWCLI_SECRET, or
a profile; the app is --agent-id, WWCLI_AGENT_ID or the profile's.`,
		Example: `  wwcli --sandbox message send --to zhangsan --text "deploy done"
  wwcli message recall MSGID`,
	}
	cmd.AddCommand(newCmdSend(f, nil))
	cmd.AddCommand(newCmdRecall(f, nil))
	return cmd
}

// sessionFn opens an authenticated session (token cached across runs).
type sessionFn func(ctx context.Context, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)

func session(f *cmdutil.Factory, command string) sessionFn {
	return func(ctx context.Context, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error) {
		return f.Session(ctx, command, in, noCache)
	}
}

// SendOptions of `wwcli message send`.
type SendOptions struct {
	IO      *iostreams.IOStreams
	Session sessionFn
	Warnf   func(format string, a ...any)

	Creds        cmdutil.CredInput
	Request      msg.Request
	AllowPartial bool
	DryRun       bool
	NoCache      bool
	Exporter     cmdutil.Exporter
}

func newCmdSend(f *cmdutil.Factory, runF func(context.Context, *SendOptions) error) *cobra.Command {
	opts := &SendOptions{IO: f.IO, Session: session(f, "message send"), Warnf: f.Warnf}
	var kinds *shared.KindFlags
	cmd := &cobra.Command{
		Use:   "send --to USERID (--text TEXT | ...) [CORPID SECRET]",
		Short: "Send an app message and print its msgid",
		Long: `Send one app message and print its msgid (for 'wwcli message recall').

Recipients: --to USERID (repeatable, or @all), --to-party ID, --to-tag ID.
Give exactly one kind:

  --text, --markdown TEXT        TEXT, - for stdin, or @FILE (2048 bytes)
  --image, --voice, --video, --file PATH
                                 uploaded through media/upload first; or
                                 media_id:ID from 'wwcli media upload'
  --textcard TITLE               with --description, --url, --btntxt
  --news title=...,url=...       up to 8 articles, or @FILE (JSON)
  --template-card FILE           any of the five card types (JSON)
  --body FILE                    a complete JSON body (mpnews, ...)

WeCom answers errcode 0 even when it skipped some recipients (invaliduser,
invalidparty, invalidtag, unlicenseduser): wwcli then prints the msgid,
names them and exits 3, unless --allow-partial.

--dedupe 30m switches on WeCom's duplicate check: an identical message in
that window is not delivered again, so wwcli may retry a send that failed
after it left (HTTP 5xx, timeout). Without it such a failure is reported
as "delivery unknown" and never repeated.`,
		Example: `  wwcli --sandbox message send --to zhangsan --text "deploy done"
  wwcli --sandbox message send --to-party 2 --markdown @release.md
  wwcli message send --to zhangsan --file dist/report.pdf --dedupe 30m`,
		Args: shared.CredArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Creds.Args = args
			opts.Request.Kinds = kinds.Given(cmd)
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSend(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Request.To, "to", nil, "send to member `USERID` (repeatable; @all for everyone)")
	fl.StringArrayVar(&opts.Request.ToParty, "to-party", nil, "send to department `ID` (repeatable)")
	fl.StringArrayVar(&opts.Request.ToTag, "to-tag", nil, "send to tag `ID` (repeatable)")
	kinds = shared.AddKindFlags(cmd, msg.Kinds(), map[string]string{
		"text":          "send a text message (`TEXT`, - for stdin, @FILE)",
		"markdown":      "send a markdown message (`TEXT`, - for stdin, @FILE)",
		"image":         "send the image at `PATH` (or media_id:ID)",
		"voice":         "send the AMR voice clip at `PATH` (or media_id:ID)",
		"video":         "send the MP4 video at `PATH` (or media_id:ID)",
		"file":          "send the file at `PATH` (or media_id:ID)",
		"textcard":      "send a text card titled `TITLE`",
		"template-card": "send the template card in `FILE` (JSON, - for stdin)",
		"body":          "send the complete JSON body in `FILE` (- for stdin)",
	})
	fl.StringArrayVar(&opts.Request.News, "news", nil, "add a news article: `title=...,url=...` or @FILE (up to 8)")
	fl.StringVar(&opts.Request.Title, "title", "", "the video's `TITLE`")
	fl.StringVar(&opts.Request.Description, "description", "", "the text card's or video's `TEXT`")
	fl.StringVar(&opts.Request.URL, "url", "", "the page the text card opens")
	fl.StringVar(&opts.Request.ButtonText, "btntxt", "", "the text card's button `TEXT` (default 详情)")
	fl.BoolVar(&opts.Request.Safe, "safe", false, "confidential: no sharing, watermarked (safe=1)")
	fl.DurationVar(&opts.Request.Dedupe, "dedupe", 0, "let WeCom drop an identical message sent within `DURATION`")
	fl.BoolVar(&opts.Request.Truncate, "truncate", false, "cut text over WeCom's limit instead of failing")
	fl.BoolVar(&opts.AllowPartial, "allow-partial", false, "exit 0 even when WeCom skipped some recipients")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the JSON body (and what would be uploaded); send nothing")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	shared.AddCredFlags(cmd, &opts.Creds, "the sending app's AgentId")
	shared.AddAuthCorpFlag(cmd, &opts.Creds)
	shared.AddJSONFlags(cmd, &opts.Exporter, "WeCom's answer {msgid, invaliduser, ...}")
	return cmd
}

func runSend(ctx context.Context, opts *SendOptions) error {
	s, err := opts.Session(ctx, opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	in, err := opts.Request.Input(opts.IO.In, s.Creds.AgentID)
	if err != nil {
		return err
	}
	p, err := msg.Prepare(in)
	if err != nil {
		return err
	}
	for _, n := range p.Notes {
		opts.Warnf("%s", n)
	}
	if opts.DryRun {
		if p.Upload != nil {
			fmt.Fprintf(opts.IO.ErrOut, "would upload %s (%s) to media/upload as %s, then send its media_id (%s below)\n",
				p.Upload.File.Name, msgspec.Size(int64(len(p.Upload.File.Data))), p.Upload.Type, msg.MediaIDPlaceholder)
		}
		return opts.Exporter.Write(ctx, opts.IO, json.RawMessage(p.Body(msg.MediaIDPlaceholder)))
	}
	r, raw, err := msg.Send(ctx, s, p)
	var partial *msg.PartialError
	if err != nil && !errors.As(err, &partial) {
		return err
	}
	if opts.Exporter.Enabled() {
		if werr := opts.Exporter.Write(ctx, opts.IO, raw); werr != nil {
			return werr
		}
	} else {
		fmt.Fprintln(opts.IO.Out, r.MsgID)
	}
	if partial != nil {
		if opts.AllowPartial {
			opts.Warnf("%s", partial.Error())
			return nil
		}
		return partial
	}
	return nil
}

// RecallOptions of `wwcli message recall`.
type RecallOptions struct {
	IO      *iostreams.IOStreams
	Session sessionFn

	Creds    cmdutil.CredInput
	MsgID    string
	NoCache  bool
	Exporter cmdutil.Exporter
}

func newCmdRecall(f *cmdutil.Factory, runF func(context.Context, *RecallOptions) error) *cobra.Command {
	opts := &RecallOptions{IO: f.IO, Session: session(f, "message recall")}
	cmd := &cobra.Command{
		Use:   "recall MSGID [CORPID SECRET]",
		Short: "Recall an app message sent in the last 24 hours",
		Long: `Recall a message sent by 'wwcli message send' (or message/send) within the
last 24 hours, with the same app. Only the WeCom client's copy is recalled,
not the WeChat plugin's.`,
		Example: `  wwcli message recall MSGID`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("give the MSGID that 'wwcli message send' printed")
			}
			return shared.CredArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MsgID, opts.Creds.Args = args[0], args[1:]
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRecall(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	shared.AddCredFlags(cmd, &opts.Creds, "the app that sent the message")
	shared.AddAuthCorpFlag(cmd, &opts.Creds)
	shared.AddJSONFlags(cmd, &opts.Exporter, "WeCom's answer")
	return cmd
}

func runRecall(ctx context.Context, opts *RecallOptions) error {
	s, err := opts.Session(ctx, opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	raw, err := msg.Recall(ctx, s, opts.MsgID)
	if err != nil {
		return err
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, opts.IO, raw)
	}
	fmt.Fprintf(opts.IO.ErrOut, "recalled %s\n", opts.MsgID)
	return nil
}
