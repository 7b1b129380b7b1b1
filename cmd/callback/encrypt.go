package callback

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// EncryptOptions of `wwcli callback encrypt`.
type EncryptOptions struct {
	f *cmdutil.Factory
	SecretOptions
	Args      []string
	Format    string
	Timestamp string
	Nonce     string
	Random    string
	AgentID   string
	Reply     bool
	JSON      bool
}

// NewEncryptCmd builds `wwcli callback encrypt`.
func NewEncryptCmd(f *cmdutil.Factory, runF func(*EncryptOptions) error) *cobra.Command {
	opts := &EncryptOptions{f: f}
	cmd := &cobra.Command{
		Use:   "encrypt [FILE|-]",
		Short: "Encrypt a message into a signed callback envelope",
		Long: `Read a plaintext message from FILE or stdin and print the envelope WeCom would
POST (XML or JSON) on stdout; the query string that signs it goes to stderr
(and into --json). Use it to test your own callback handler.

--reply builds a passive reply envelope instead (Encrypt, MsgSignature,
TimeStamp, Nonce), as your handler would answer WeCom.
--timestamp, --nonce and --random (16 characters or 32 hex digits) make the
output deterministic, for tests.`,
		Example: `  printf '%s' '<xml>...</xml>' | wwcli callback encrypt
  wwcli callback encrypt msg.json --format json --json \
    --timestamp 1409659813 --nonce 1372623149 --random EDH75AiKExevY8L3`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runEncrypt(opts)
		},
	}
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	cmd.Flags().StringVar(&opts.Format, "format", "xml", "envelope format: xml or json")
	cmd.Flags().StringVar(&opts.Timestamp, "timestamp", "", "timestamp to sign with (default now)")
	cmd.Flags().StringVar(&opts.Nonce, "nonce", "", "nonce to sign with (default random)")
	cmd.Flags().StringVar(&opts.Random, "random", "", "16-byte random prefix: 16 characters or 32 hex digits (default random)")
	cmd.Flags().StringVar(&opts.AgentID, "agent-id", "", "AgentID field of the request envelope")
	cmd.Flags().BoolVar(&opts.Reply, "reply", false, "build a passive reply envelope instead of a request")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print {body, encrypt, msg_signature, timestamp, nonce, query}")
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

func runEncrypt(opts *EncryptOptions) error {
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
	c, err := newCrypter(opts.f, opts.SecretOptions)
	if err != nil {
		return err
	}
	msg, err := readInput(opts.f, opts.Args)
	if err != nil {
		return err
	}
	s, err := c.Seal(msg, c.ReceiveID(), random, opts.Timestamp, opts.Nonce, opts.f.Now())
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
	ios := opts.f.IO
	if opts.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(encryptResult{Body: string(body), Encrypt: s.Encrypt, MsgSignature: s.MsgSignature, Timestamp: s.Timestamp, Nonce: s.Nonce, Query: q})
	}
	if !opts.Reply {
		fmt.Fprintf(ios.ErrOut, "query: ?%s\n", q)
	}
	_, err = ios.Out.Write(withNewline(body))
	return err
}
