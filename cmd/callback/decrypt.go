package callback

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// DecryptOptions of `wwcli callback decrypt`: only what run needs.
type DecryptOptions struct {
	IO      *iostreams.IOStreams
	Secrets SecretsFunc
	Warnf   func(format string, a ...any)
	SecretOptions
	Params   cb.Params
	Args     []string
	Exporter cmdutil.Exporter
}

// NewDecryptCmd builds `wwcli callback decrypt`.
func NewDecryptCmd(f *cmdutil.Factory, runF func(context.Context, *DecryptOptions) error) *cobra.Command {
	opts := &DecryptOptions{IO: f.IO, Secrets: f.CallbackSecrets, Warnf: f.Warnf}
	cmd := &cobra.Command{
		Use:   "decrypt [FILE|-]",
		Short: "Decrypt a callback POST body (XML or JSON envelope)",
		Long: `Read the body WeCom POSTed to a callback URL (XML <xml><Encrypt>… or JSON
{"encrypt":…}) from FILE or stdin and print the decrypted message.

With --msg-signature, --timestamp and --nonce (the request's query parameters)
the signature is checked first. Without them the message is only decrypted and
a warning says so; a passive reply envelope is checked with its own signature.`,
		Example: `  wwcli callback decrypt --msg-signature "$MSG_SIGNATURE" \
    --timestamp "$TIMESTAMP" --nonce "$NONCE" body.xml
  wwcli callback decrypt --json < body.json
  wwcli callback decrypt --jq .fields.MsgType body.xml`,
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
			return runDecrypt(cmd.Context(), opts)
		},
	}
	paramsFlags(cmd, &opts.Params)
	addReceiveIDFlag(cmd, &opts.SecretOptions)
	shared.AddJSONFlags(cmd, &opts.Exporter, "{message, receive_id, signature, format, to_user_name, agent_id, fields}")
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

func runDecrypt(ctx context.Context, opts *DecryptOptions) error {
	if err := checkParams(opts.Params); err != nil {
		return err
	}
	c, err := newCrypter(ctx, opts.Secrets, opts.SecretOptions)
	if err != nil {
		return err
	}
	body, err := readInput(opts.IO, opts.Args)
	if err != nil {
		return err
	}
	o, err := c.Open(body, opts.Params)
	if err != nil {
		return cryptoError(err)
	}
	status := "valid"
	if !o.SignatureChecked {
		status = "not_checked"
		opts.Warnf("signature not checked: pass --msg-signature, --timestamp and --nonce from the request URL to check it")
	}
	if !opts.Exporter.Enabled() {
		_, err = opts.IO.Out.Write(withNewline(o.Plaintext.Message))
		return err
	}
	return opts.Exporter.Write(ctx, opts.IO, decryptResult{
		Message: string(o.Plaintext.Message), ReceiveID: o.Plaintext.ReceiveID, Signature: status,
		Format: o.Envelope.Format, ToUserName: o.Envelope.ToUserName, AgentID: o.Envelope.AgentID,
		Fields: cb.Fields(o.Plaintext.Message),
	})
}
