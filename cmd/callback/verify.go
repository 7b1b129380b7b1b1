package callback

import (
	"context"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/ui"
)

// VerifyOptions of `wwcli callback verify`: only what run needs.
type VerifyOptions struct {
	IO      *iostreams.IOStreams
	Secrets SecretsFunc
	SecretOptions
	Params   cb.Params
	Echostr  string
	URL      string
	Raw      bool
	Exporter cmdutil.Exporter
}

// NewVerifyCmd builds `wwcli callback verify`.
func NewVerifyCmd(f *cmdutil.Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IO, Secrets: f.CallbackSecrets}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check a URL-verification request and print the echo to answer with",
		Long: `Check the msg_signature of WeCom's URL-verification GET request, decrypt echostr
and print the plaintext echo: exactly what the callback URL must answer, within
one second, with no quotes, BOM or trailing newline.

A newline is added on stdout for the terminal; --raw prints the bare bytes.
Give the four parameters as flags, or paste the whole request URL with --url.
echostr may be given URL-encoded (%2B, %2F, %3D) or decoded.`,
		Example: `  wwcli callback verify --url "$VERIFY_URL"
  wwcli callback verify --raw --url "$VERIFY_URL" > echo.txt
  wwcli callback verify --url "$VERIFY_URL" --jq .echo`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.bind(cmd)
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	paramsFlags(cmd, &opts.Params)
	cmd.Flags().StringVar(&opts.Echostr, "echostr", "", "echostr query parameter (URL-encoded or not)")
	cmd.Flags().StringVar(&opts.URL, "url", "", "the whole verification request URL, instead of the four flags")
	cmd.Flags().BoolVar(&opts.Raw, "raw", false, "print the echo without a trailing newline (byte-exact)")
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	shared.AddJSONFlags(cmd, &opts.Exporter, "{echo}")
	return cmd
}

// verifyParams takes the four parameters out of the pasted request URL.
func verifyParams(raw string) (cb.Params, string, error) {
	u, err := url.Parse(raw)
	// A path with its query ("/cb?msg_signature=...") from a server log is
	// fine; something with neither a host nor a query is not a URL at all.
	if err != nil || u.RawQuery == "" && (u.Scheme == "" || u.Host == "") {
		return cb.Params{}, "", cmdutil.FlagErrorf("--url %.100q is not a URL: paste the whole request WeCom sent, e.g. 'https://example.com/cb?msg_signature=...&timestamp=...&nonce=...&echostr=...'", raw)
	}
	q := u.Query()
	return cb.Params{MsgSignature: q.Get("msg_signature"), Timestamp: q.Get("timestamp"), Nonce: q.Get("nonce")}, q.Get("echostr"), nil
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	p, echostr := opts.Params, opts.Echostr
	if opts.URL != "" {
		if !p.Empty() || echostr != "" {
			return cmdutil.FlagErrorf("give either --url or the four parameter flags, not both")
		}
		var err error
		if p, echostr, err = verifyParams(opts.URL); err != nil {
			return err
		}
	} else if strings.Contains(echostr, "%") {
		// PathUnescape: a '+' in a pasted, already decoded echostr stays '+'.
		dec, err := url.PathUnescape(echostr)
		if err != nil {
			return cmdutil.FlagErrorf("--echostr has a bad %%-escape: %v", err)
		}
		echostr = dec
	}
	var missing []string
	for _, m := range []struct{ name, v string }{{"msg_signature", p.MsgSignature}, {"timestamp", p.Timestamp}, {"nonce", p.Nonce}, {"echostr", echostr}} {
		if m.v == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return cmdutil.FlagErrorf("missing %s: give --msg-signature, --timestamp, --nonce and --echostr, or --url", strings.Join(missing, ", "))
	}
	c, err := newCrypter(ctx, opts.Secrets, opts.SecretOptions)
	if err != nil {
		return err
	}
	echo, err := c.VerifyURL(p.MsgSignature, p.Timestamp, p.Nonce, echostr)
	if err != nil {
		return cryptoError(err)
	}
	ios := opts.IO
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, ios, verifyResult{Echo: string(echo)})
	}
	if ios.IsStderrTTY() {
		t := ui.New(ios.ErrOut, ios.ColorErr())
		_, _ = ios.ErrOut.Write([]byte(t.SuccessIcon() + " signature valid; answer with exactly these " + itoa(len(echo)) + " bytes, no trailing newline\n"))
	}
	if !opts.Raw {
		echo = withNewline(echo)
	}
	_, err = ios.Out.Write(echo)
	return err
}

// verifyResult is what --json prints.
type verifyResult struct {
	Echo string `json:"echo"`
}
