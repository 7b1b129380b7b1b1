package callback

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/ui"
)

// DecryptOptions of `wwcli callback decrypt`.
type DecryptOptions struct {
	f *cmdutil.Factory
	SecretOptions
	Params cb.Params
	Args   []string
	JSON   bool
}

// NewDecryptCmd builds `wwcli callback decrypt`.
func NewDecryptCmd(f *cmdutil.Factory, runF func(*DecryptOptions) error) *cobra.Command {
	opts := &DecryptOptions{f: f}
	cmd := &cobra.Command{
		Use:   "decrypt [FILE|-]",
		Short: "Decrypt a callback POST body (XML or JSON envelope)",
		Long: `Read the body WeCom POSTed to a callback URL (XML <xml><Encrypt>… or JSON
{"encrypt":…}) from FILE or stdin and print the decrypted message.

With --msg-signature, --timestamp and --nonce (the request's query parameters)
the signature is checked first. Without them the message is only decrypted and
a warning says so; a passive reply envelope is checked with its own signature.`,
		Example: `  wwcli callback decrypt --msg-signature 0c3914... \
    --timestamp 1476422779 --nonce 1597212914 body.xml
  pbpaste | wwcli callback decrypt --json`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.bind(cmd)
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return runDecrypt(opts)
		},
	}
	paramsFlags(cmd, &opts.Params)
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print {message, receive_id, signature, format, to_user_name, agent_id, fields}")
	return cmd
}

// decryptResult is the --json output.
type decryptResult struct {
	Message    string            `json:"message"`
	ReceiveID  string            `json:"receive_id"`
	Signature  string            `json:"signature"` // "valid" or "not_checked"
	Format     cb.Format         `json:"format"`
	ToUserName string            `json:"to_user_name"`
	AgentID    string            `json:"agent_id"`
	Fields     map[string]string `json:"fields,omitempty"`
}

func runDecrypt(opts *DecryptOptions) error {
	if err := checkParams(opts.Params); err != nil {
		return err
	}
	c, err := newCrypter(opts.f, opts.SecretOptions)
	if err != nil {
		return err
	}
	body, err := readInput(opts.f, opts.Args)
	if err != nil {
		return err
	}
	o, err := c.Open(body, opts.Params)
	if err != nil {
		return cryptoError(err)
	}
	ios := opts.f.IO
	status := "valid"
	if !o.SignatureChecked {
		status = "not_checked"
		t := ui.New(ios.ErrOut, ios.ColorErr())
		fmt.Fprintln(ios.ErrOut, t.WarnIcon()+" signature not checked: pass --msg-signature, --timestamp and --nonce from the request URL to check it")
	}
	if !opts.JSON {
		_, err = ios.Out.Write(withNewline(o.Plaintext.Message))
		return err
	}
	enc := json.NewEncoder(ios.Out)
	enc.SetEscapeHTML(false)
	return enc.Encode(decryptResult{
		Message: string(o.Plaintext.Message), ReceiveID: o.Plaintext.ReceiveID, Signature: status,
		Format: o.Envelope.Format, ToUserName: o.Envelope.ToUserName, AgentID: o.Envelope.AgentID,
		Fields: cb.Fields(o.Plaintext.Message),
	})
}
