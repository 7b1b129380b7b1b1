package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/msgspec"
	"github.com/wwcli/wwcli/pkg/pacer"
	wh "github.com/wwcli/wwcli/pkg/webhook"
)

// SendOptions of `wwcli webhook send`.
type SendOptions struct {
	IO       *iostreams.IOStreams
	Connect  func(ctx context.Context, k keyFlags) (*robotClient, error)
	PacerDir func() (string, error)
	Warnf    func(format string, a ...any)
	Now      func() time.Time

	Request  wh.Request
	Key      keyFlags
	Wait     time.Duration
	Rate     string
	DryRun   bool
	Exporter cmdutil.Exporter
}

func newCmdSend(f *cmdutil.Factory, runF func(context.Context, *SendOptions) error) *cobra.Command {
	opts := &SendOptions{IO: f.IO, Connect: connector(f), PacerDir: pacerDir(f), Warnf: f.Warnf, Now: f.Now}
	var kinds *shared.KindFlags
	cmd := &cobra.Command{
		Use:   "send (--text TEXT | --markdown TEXT | --file PATH | ...)",
		Short: "Send one message to a group robot",
		Long: `Send one message to a group robot. Give exactly one kind:

  --text, --markdown, --markdown-v2 TEXT
                       TEXT, or - for stdin, or @FILE
  --image PATH         JPG/PNG up to 2 MB (wwcli computes base64 and md5)
  --file PATH          uploaded first, up to 20 MB
  --voice PATH         uploaded first, AMR up to 2 MB and 60 s
  --news title=...,url=...[,description=...,picurl=...]
                       up to 8 articles (repeat the flag), or @FILE (JSON)
  --template-card FILE a text_notice or news_notice card (JSON)
  --body FILE          a complete JSON body, checked and sent as is

--mention USERID (or @all) and --mention-mobile NUMBER work with --text
(mentioned_list) and --mention USERID with --markdown (<@userid> is added
to the content). Limits are checked before anything is sent: text 2048
bytes, markdown 4096; --truncate cuts at a UTF-8 boundary and marks the cut.

Robots take 20 messages a minute. Every wwcli on this machine shares one
queue per robot, and a 45009 answer (rate limit) is waited out and sent
again, for at most --wait. A send that fails after it may have reached WeCom
(a timeout, HTTP 5xx) is never repeated: wwcli says "delivery unknown".

Exit codes: 0 delivered, 1 network or delivery unknown, 2 bad input (nothing
sent), 3 WeCom refused it (errcode, or still rate-limited after --wait),
4 no robot key.`,
		Example: `  wwcli --sandbox webhook send --text "build passed"
  wwcli --sandbox webhook send --text "deploy failed" --mention @all
  git log -1 --format=%B | wwcli --sandbox webhook send --markdown -
  wwcli --sandbox webhook send --image chart.png --dry-run
  wwcli --sandbox webhook send --news "title=Changes,url=https://example.com"
  wwcli webhook send --robot ci-alerts --file dist/report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	kinds = shared.AddKindFlags(cmd, wh.Kinds(), map[string]string{
		"text":          "send a text message (`TEXT`, - for stdin, @FILE)",
		"markdown":      "send a markdown message (`TEXT`, - for stdin, @FILE)",
		"markdown-v2":   "send a markdown_v2 message (`TEXT`, - for stdin, @FILE)",
		"image":         "send a JPG/PNG image from `PATH`",
		"file":          "upload the file at `PATH` and send it",
		"voice":         "upload the AMR voice file at `PATH` and send it",
		"template-card": "send the template card in `FILE` (JSON, - for stdin)",
		"body":          "send the complete JSON body in `FILE` (- for stdin)",
	})
	fl.StringArrayVar(&opts.Request.News, "news", nil, "add a news article: `title=...,url=...` or @FILE (up to 8)")
	fl.StringArrayVar(&opts.Request.Mentions, "mention", nil, "mention `USERID` (repeatable; @all for text)")
	fl.StringArrayVar(&opts.Request.MentionMobiles, "mention-mobile", nil, "mention the member with mobile `NUMBER` (text only)")
	fl.BoolVar(&opts.Request.Truncate, "truncate", false, "cut text over WeCom's limit instead of failing")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the JSON body (and what would be uploaded); send nothing")
	fl.DurationVar(&opts.Wait, "wait", wh.DefaultWait, "wait at most this long for the robot's rate limit")
	fl.StringVar(&opts.Rate, "rate", "20/1m", "the robot's limit as `N/DURATION` (lower it if others share the robot)")
	opts.Key.bind(cmd)
	shared.AddJSONFlags(cmd, &opts.Exporter, "WeCom's answer")
	return cmd
}

func runSend(ctx context.Context, opts *SendOptions) error {
	limit, window, err := wh.ParseRate(opts.Rate)
	if err != nil {
		return err
	}
	if opts.Wait < 0 {
		return cmdutil.FlagErrorf("--wait must not be negative, e.g. --wait 2m (0 = do not wait)")
	}
	in, err := opts.Request.Input(opts.IO.In)
	if err != nil {
		return err
	}
	p, err := wh.Prepare(in)
	if err != nil {
		return err
	}
	for _, n := range p.Notes {
		opts.Warnf("%s", n)
	}
	if opts.DryRun {
		return dryRun(ctx, opts, p)
	}
	rc, err := opts.Connect(ctx, opts.Key)
	if err != nil {
		return err
	}
	s := &wh.Sender{Client: rc.Client, Key: rc.Key, Target: wh.KeyID(rc.Base, rc.Key), Wait: opts.Wait, Now: opts.Now,
		Notify: func(msg string) { fmt.Fprintln(opts.IO.ErrOut, msg) }}
	if dir, err := opts.PacerDir(); err != nil {
		opts.Warnf("%v; sending without pacing", err)
	} else {
		s.Pacer = pacer.New(dir, limit, window)
		s.Pacer.Now = opts.Now
	}
	ans, err := s.Deliver(ctx, p)
	if err != nil {
		return err
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, opts.IO, ans.Raw)
	}
	fmt.Fprintf(opts.IO.ErrOut, "sent a %s message to the robot (key from %s)\n", p.Type, rc.Source)
	return nil
}

// dryRun prints the body that would be sent, and the upload that would
// come first, without a key or a request.
func dryRun(ctx context.Context, opts *SendOptions, p *wh.Prepared) error {
	if p.Upload != nil {
		fmt.Fprintf(opts.IO.ErrOut, "would upload %s (%s) to webhook/upload_media as %s, then send its media_id (%s below)\n",
			p.Upload.File.Name, msgspec.Size(int64(len(p.Upload.File.Data))), p.Upload.Type, wh.MediaIDPlaceholder)
	}
	return opts.Exporter.Write(ctx, opts.IO, rawJSON(p.Body(wh.MediaIDPlaceholder)))
}
