package callback

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/safetext"
	"github.com/wwcli/wwcli/pkg/ui"
)

// SendOptions of `wwcli callback send`: only what run needs.
type SendOptions struct {
	IO      *iostreams.IOStreams
	Secrets SecretsFunc
	Now     func() time.Time
	SecretOptions
	To       string
	Event    string
	Format   string
	AgentID  string
	Verify   bool
	Timeout  time.Duration // --timeout: bounds the request
	Exporter cmdutil.Exporter
}

// NewSendCmd builds `wwcli callback send`.
func NewSendCmd(f *cmdutil.Factory, runF func(context.Context, *SendOptions) error) *cobra.Command {
	opts := &SendOptions{IO: f.IO, Secrets: f.CallbackSecrets, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "send --to URL",
		Short: "Sign, encrypt and POST a sample event to your callback handler",
		Long: `Build a sample callback message, encrypt and sign it as WeCom does, and
POST it to your handler. The HTTP status goes to stderr; the answer body
goes to stdout, decrypted when it is an encrypted passive reply (its
signature is checked).

--event is text, enter_agent, change_contact, or a FILE holding the plaintext.
--verify sends WeCom's GET URL-verification request instead and checks that the
answer is exactly the echo, with no extra bytes, and how long it took.`,
		Example: `  wwcli callback send --to http://127.0.0.1:8080/
  wwcli callback send --to http://127.0.0.1:3000/wecom \
    --event change_contact --format json
  wwcli callback send --to http://127.0.0.1:3000/wecom --verify`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.bind(cmd)
			opts.Timeout = f.Global.Timeout
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSend(cmd.Context(), opts)
		},
	}
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	cmd.Flags().StringVar(&opts.To, "to", "", "URL of the callback handler (required)")
	cmd.Flags().StringVar(&opts.Event, "event", "text", "sample event: text, enter_agent, change_contact, or a FILE with the plaintext")
	cmd.Flags().StringVar(&opts.Format, "format", "xml", "envelope and sample format: xml or json")
	cmd.Flags().StringVar(&opts.AgentID, "agent-id", "1000002", "AgentID of the sample")
	cmd.Flags().BoolVar(&opts.Verify, "verify", false, "send a GET URL-verification request instead of a message")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{status, duration_ms, body, reply, reply_signature} (--verify: echo_ok)")
	return cmd
}

type sendResult struct {
	Status         int    `json:"status"`
	DurationMS     int64  `json:"duration_ms"`
	Body           string `json:"body"`
	Reply          string `json:"reply,omitempty"`
	ReplySignature string `json:"reply_signature,omitempty"`
	EchoOK         *bool  `json:"echo_ok,omitempty"`
}

// sampleMessage returns the plaintext for --event.
func sampleMessage(opts *SendOptions, format cb.Format, receiveID string) ([]byte, error) {
	if slices.Contains(cb.SampleKinds, opts.Event) {
		return cb.SampleEvent(opts.Event, format, receiveID, opts.AgentID, opts.Now().Unix())
	}
	data, err := os.ReadFile(opts.Event)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--event must be one of %s, or a readable file: %v", strings.Join(cb.SampleKinds, ", "), err)
	}
	if len(data) > maxInput {
		return nil, cmdutil.FlagErrorf("--event file is larger than %d MiB", maxInput>>20)
	}
	return data, nil
}

func runSend(ctx context.Context, opts *SendOptions) error {
	if opts.To == "" {
		return cmdutil.FlagErrorf("--to is required, e.g. --to http://127.0.0.1:8080/")
	}
	target, err := url.Parse(opts.To)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return cmdutil.FlagErrorf("--to must be an http(s) URL, e.g. http://127.0.0.1:8080/")
	}
	format, err := cb.ParseFormat(opts.Format)
	if err != nil {
		return cmdutil.FlagErrorf("--format must be xml or json, not %q", opts.Format)
	}
	c, err := newCrypter(ctx, opts.Secrets, opts.SecretOptions)
	if err != nil {
		return err
	}
	var msg []byte
	if opts.Verify {
		msg = []byte(cb.NewNonce() + cb.NewNonce()[:9]) // a 19-digit echo, as WeCom sends
	} else if msg, err = sampleMessage(opts, format, c.ReceiveID()); err != nil {
		return err
	}
	s, err := c.Seal(msg, c.ReceiveID(), nil, "", "", opts.Now())
	if err != nil {
		return cryptoError(err)
	}
	q := target.Query()
	q.Set("msg_signature", s.MsgSignature)
	q.Set("timestamp", s.Timestamp)
	q.Set("nonce", s.Nonce)
	var req *http.Request
	if opts.Verify {
		q.Set("echostr", s.Encrypt)
		target.RawQuery = q.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	} else {
		target.RawQuery = q.Encode()
		var body []byte
		if body, err = cb.RequestBody(format, c.ReceiveID(), opts.AgentID, s.Encrypt); err != nil {
			return cryptoError(err)
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
		if format == cb.FormatJSON {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		} else {
			req.Header.Set("Content-Type", "application/xml; charset=utf-8")
		}
	}
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitUsage, "cannot build the request: %v", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := &http.Client{Timeout: timeout}
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "cannot reach the handler: %v", err)
	}
	defer res.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(res.Body, maxInput+1))
	elapsed := time.Since(start)
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitFailure, "cannot read the handler's answer: %v", err)
	}
	if len(respBody) > maxInput {
		return cmdutil.Errorf(cmdutil.ExitFailure, "the handler's answer is larger than %d MiB", maxInput>>20)
	}

	ios := opts.IO
	t := ui.New(ios.ErrOut, ios.ColorErr())
	result := sendResult{Status: res.StatusCode, DurationMS: elapsed.Milliseconds(), Body: string(respBody)}
	var failure error
	var notes []string // printed after the status line
	out := respBody
	switch {
	case res.StatusCode < 200 || res.StatusCode > 299:
		failure = cmdutil.Errorf(cmdutil.ExitFailure, "the handler answered %s", safetext.Escape(res.Status))
	case opts.Verify:
		echoOK := bytes.Equal(respBody, msg)
		result.EchoOK = &echoOK
		if !echoOK {
			failure = cmdutil.Errorf(cmdutil.ExitFailure, "the handler answered %q, want exactly %q (no quotes, BOM or newline)", truncate(respBody), msg)
		} else if elapsed > time.Second {
			failure = cmdutil.Errorf(cmdutil.ExitFailure, "the echo is right but took %s; WeCom gives up after 1 second", elapsed.Round(time.Millisecond))
		}
	case len(bytes.TrimSpace(respBody)) > 0:
		// A passive reply: decrypt it when it is an encrypted envelope.
		if env, perr := cb.ParseEnvelope(respBody); perr == nil && env.Encrypt != "" {
			o, oerr := c.Open(respBody, cb.Params{})
			if oerr != nil {
				failure = cryptoError(fmt.Errorf("the passive reply does not open: %w", oerr))
			} else {
				out = o.Plaintext.Message
				result.Reply = string(out)
				result.ReplySignature = "not_checked"
				if o.SignatureChecked {
					result.ReplySignature = "valid"
				}
				notes = append(notes, fmt.Sprintf("%s passive reply decrypted (signature %s)", t.SuccessIcon(), strings.ReplaceAll(result.ReplySignature, "_", " ")))
			}
		}
	default:
		notes = append(notes, t.Muted("-")+" empty answer: no passive reply")
	}
	// The status line is green only when the whole exchange passed: a 200
	// with the wrong echo is a failure.
	icon := t.SuccessIcon()
	if failure != nil {
		icon = t.FailIcon()
	}
	fmt.Fprintf(ios.ErrOut, "%s %s %s → %s in %s\n", icon, req.Method, target.Redacted(), safetext.Escape(res.Status), ui.Duration(elapsed))
	for _, n := range notes {
		fmt.Fprintln(ios.ErrOut, n)
	}
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(ctx, ios, result); err != nil {
			return err
		}
	} else if len(out) > 0 {
		if _, err := ios.Out.Write(withNewline(out)); err != nil {
			return err
		}
	}
	return failure
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
