package callback

import (
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/ui"
)

// VerifyOptions of `wwcli callback verify`.
type VerifyOptions struct {
	f *cmdutil.Factory
	SecretOptions
	Params  cb.Params
	Echostr string
	URL     string
	Raw     bool
}

// NewVerifyCmd builds `wwcli callback verify`.
func NewVerifyCmd(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{f: f}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check a URL-verification request and print the echo to answer with",
		Long: `Check the msg_signature of WeCom's URL-verification GET request, decrypt echostr
and print the plaintext echo: exactly what the callback URL must answer, within
one second, with no quotes, BOM or trailing newline.

A newline is added on stdout for the terminal; --raw prints the bare bytes.
Give the four parameters as flags, or paste the whole request URL with --url.
echostr may be given URL-encoded (%2B, %2F, %3D) or decoded.`,
		Example: `  wwcli callback verify --msg-signature 012bc6... \
    --timestamp 1476416373 --nonce 47744683 --echostr 'fsi1...'
  wwcli callback verify --url 'https://example.com/cb?msg_signature=...'
  wwcli callback verify --raw --url "$URL" > echo.txt`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.bind(cmd)
			if runF != nil {
				return runF(opts)
			}
			return runVerify(opts)
		},
	}
	paramsFlags(cmd, &opts.Params)
	cmd.Flags().StringVar(&opts.Echostr, "echostr", "", "echostr query parameter (URL-encoded or not)")
	cmd.Flags().StringVar(&opts.URL, "url", "", "the whole verification request URL, instead of the four flags")
	cmd.Flags().BoolVar(&opts.Raw, "raw", false, "print the echo without a trailing newline (byte-exact)")
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	return cmd
}

func runVerify(opts *VerifyOptions) error {
	p, echostr := opts.Params, opts.Echostr
	if opts.URL != "" {
		if !p.Empty() || echostr != "" {
			return cmdutil.FlagErrorf("give either --url or the four parameter flags, not both")
		}
		u, err := url.Parse(opts.URL)
		if err != nil {
			return cmdutil.FlagErrorf("--url is not a URL: %v", err)
		}
		q := u.Query()
		p = cb.Params{MsgSignature: q.Get("msg_signature"), Timestamp: q.Get("timestamp"), Nonce: q.Get("nonce")}
		echostr = q.Get("echostr")
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
	c, err := newCrypter(opts.f, opts.SecretOptions)
	if err != nil {
		return err
	}
	echo, err := c.VerifyURL(p.MsgSignature, p.Timestamp, p.Nonce, echostr)
	if err != nil {
		return cryptoError(err)
	}
	ios := opts.f.IO
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
