package callback

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// EncryptOptions of `wwcli callback encrypt`: only what run needs.
type EncryptOptions struct {
	IO      *iostreams.IOStreams
	Secrets SecretsFunc
	Now     func() time.Time
	SecretOptions
	Args      []string
	Format    string
	Timestamp string
	Nonce     string
	Random    string
	AgentID   string
	Reply     bool
	Exporter  cmdutil.Exporter
}

// NewEncryptCmd builds `wwcli callback encrypt`.
func NewEncryptCmd(f *cmdutil.Factory, runF func(context.Context, *EncryptOptions) error) *cobra.Command {
	opts := &EncryptOptions{IO: f.IO, Secrets: f.CallbackSecrets, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "encrypt [FILE|-]",
		Short: "Encrypt a message into a signed callback envelope",
		Long: `Read a plaintext message from FILE or stdin and print the envelope WeCom would
POST (XML or JSON) on stdout; the query string that signs it goes to stderr
(and into --json). Use it to test your own callback handler.

--reply builds a passive reply envelope instead (Encrypt, MsgSignature,
TimeStamp, Nonce), as your handler would answer WeCom. An empty message is
refused.
--timestamp, --nonce and --random (16 characters or 32 hex digits) make the
output deterministic, for tests.`,
		Example: `  printf '%s' '<xml>...</xml>' | wwcli callback encrypt
  wwcli callback encrypt msg.json --format json --json \
    --timestamp 1409659813 --nonce 1372623149 --random EDH75AiKExevY8L3`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.Args = args
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEncrypt(cmd.Context(), opts)
		},
	}
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	cmd.Flags().StringVar(&opts.Format, "format", "xml", "envelope format: xml or json")
	cmd.Flags().StringVar(&opts.Timestamp, "timestamp", "", "timestamp to sign with (default now)")
	cmd.Flags().StringVar(&opts.Nonce, "nonce", "", "nonce to sign with (default random)")
	cmd.Flags().StringVar(&opts.Random, "random", "", "16-byte random prefix: 16 characters or 32 hex digits (default random)")
	cmd.Flags().StringVar(&opts.AgentID, "agent-id", "", "AgentID field of the request envelope")
	cmd.Flags().BoolVar(&opts.Reply, "reply", false, "build a passive reply envelope instead of a request")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{body, encrypt, msg_signature, timestamp, nonce, query}")
	return cmd
}

type encryptResult struct {
	Body         string `json:"body"`
	Encrypt      string `json:"encrypt"`
	MsgSignature string `json:"msg_signature"`
	Timestamp    string `json:"timestamp"`
	Nonce        string `json:"nonce"`
	Query        string `json:"query"`
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func runEncrypt(ctx context.Context, opts *EncryptOptions) error {
	format, err := cb.ParseFormat(opts.Format)
	if err != nil {
		return cmdutil.FlagErrorf("--format must be xml or json, not %q", opts.Format)
	}
	if opts.Timestamp != "" && !isDigits(opts.Timestamp) {
		return cmdutil.FlagErrorf("--timestamp must be Unix seconds, e.g. 1476416373")
	}
	var random []byte
	if opts.Random != "" {
		if random, err = cb.ParseRandom(opts.Random); err != nil {
			return cmdutil.FlagErrorf("--random must be 16 characters or 32 hex digits (got %d characters)", len(opts.Random))
		}
	}
	c, err := newCrypter(ctx, opts.Secrets, opts.SecretOptions)
	if err != nil {
		return err
	}
	msg, err := readInput(opts.IO, opts.Args)
	if err != nil {
		return err
	}
	if len(msg) == 0 {
		source := "stdin"
		if len(opts.Args) == 1 && opts.Args[0] != "-" {
			source = opts.Args[0]
		}
		return cmdutil.FlagErrorf("the message to encrypt is empty (%s holds no bytes): give the plaintext, e.g. printf '%%s' '<xml>...</xml>' | wwcli callback encrypt", source)
	}
	s, err := c.Seal(msg, c.ReceiveID(), random, opts.Timestamp, opts.Nonce, opts.Now())
	if err != nil {
		return cryptoError(err)
	}
	var body []byte
	if opts.Reply {
		body, err = cb.ReplyBody(format, s.Encrypt, s.MsgSignature, s.Timestamp, s.Nonce)
	} else {
		body, err = cb.RequestBody(format, c.ReceiveID(), opts.AgentID, s.Encrypt)
	}
	if err != nil {
		return cryptoError(err)
	}
	q := url.Values{"msg_signature": {s.MsgSignature}, "timestamp": {s.Timestamp}, "nonce": {s.Nonce}}.Encode()
	ios := opts.IO
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, ios, encryptResult{Body: string(body), Encrypt: s.Encrypt, MsgSignature: s.MsgSignature, Timestamp: s.Timestamp, Nonce: s.Nonce, Query: q})
	}
	if !opts.Reply {
		fmt.Fprintf(ios.ErrOut, "query: ?%s\n", q)
	}
	_, err = ios.Out.Write(withNewline(body))
	return err
}
