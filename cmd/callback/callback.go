// Package callback is `wwcli callback`: verify, decrypt, encrypt, serve and
// send WeCom callback messages (WXBizMsgCrypt).
package callback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/iostreams"
)

// maxInput bounds what decrypt / encrypt read from a file or stdin.
const maxInput = 8 << 20

// NewCmd builds the `wwcli callback` noun and its verbs.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "callback <command>",
		Short: "Verify, decrypt, encrypt, serve and send WeCom callback messages",
		Long: `Work with WeCom callback URLs (接收消息服务器): the msg_signature and
AES envelope of WXBizMsgCrypt, URL verification, and a local server that
shows each message.

The Token and EncodingAESKey are never flag values. Highest first:
  --callback-secrets-file FILE   JSON {"token","encoding_aes_key",
                                 "receive_id"}, mode 0600
  WWCLI_CALLBACK_TOKEN and WWCLI_CALLBACK_AES_KEY
                                 (+ optional WWCLI_CALLBACK_RECEIVE_ID)
  the profile

The receive id is the corp id for self-built apps, the suite id for
third-party command callbacks, and empty for smart robots; when it is
empty it is not checked.

Crypto failures print the official code (-40001 ValidateSignature_Error,
...): malformed input exits 2, a check that did not pass (signature, key,
receive id) exits 1.`,
		Example: `  export WWCLI_CALLBACK_TOKEN=... WWCLI_CALLBACK_AES_KEY=...
  wwcli callback verify --url "$VERIFY_URL"
  wwcli callback serve --forward-to http://127.0.0.1:3000/wecom
  wwcli callback send --to http://127.0.0.1:8080/ --event enter_agent`,
	}
	cmd.PersistentFlags().String("callback-secrets-file", "", "read Token, EncodingAESKey and receive id from this JSON file (mode 0600)")
	cmd.AddCommand(NewVerifyCmd(f, nil))
	cmd.AddCommand(NewDecryptCmd(f, nil))
	cmd.AddCommand(NewEncryptCmd(f, nil))
	cmd.AddCommand(NewServeCmd(f, nil))
	cmd.AddCommand(NewSendCmd(f, nil))
	return cmd
}

// SecretsFunc resolves the callback secrets from the secrets file (when
// given), WWCLI_CALLBACK_* and the profile: cmdutil.Factory.CallbackSecrets.
type SecretsFunc func(ctx context.Context, file string) (*cb.Secrets, error)

// SecretOptions are the secret inputs every verb shares.
type SecretOptions struct {
	SecretsFile  string
	ReceiveID    string
	ReceiveIDSet bool // --receive-id given (even empty): it overrides the source's
}

// bind reads the inherited secrets flag and --receive-id after parsing.
func (s *SecretOptions) bind(cmd *cobra.Command) {
	s.SecretsFile, _ = cmd.Flags().GetString("callback-secrets-file")
	s.ReceiveIDSet = cmd.Flags().Changed("receive-id")
}

func addReceiveIDFlag(cmd *cobra.Command, s *SecretOptions) {
	cmd.Flags().StringVar(&s.ReceiveID, "receive-id", "", "expected receive id: corp id, suite id, or \"\" to skip the check (default from the secrets source)")
}

const noSecretsHelp = `no callback Token / EncodingAESKey; give them one of three ways:
  --callback-secrets-file FILE   (JSON {"token":"…","encoding_aes_key":"…","receive_id":"…"}, chmod 600)
  WWCLI_CALLBACK_TOKEN and WWCLI_CALLBACK_AES_KEY environment variables
  the profile: wwcli auth login --callback`

// newCrypter resolves the secrets and builds a Crypter: exit 4 when they are
// missing or unreadable, 2 when the key has the wrong shape.
func newCrypter(ctx context.Context, secrets SecretsFunc, s SecretOptions) (*cb.Crypter, error) {
	sec, err := secrets(ctx, s.SecretsFile)
	if errors.Is(err, credentials.ErrNoCallbackSecrets) {
		return nil, cmdutil.Errorf(cmdutil.ExitCredentials, "%s", noSecretsHelp)
	}
	if err != nil {
		return nil, cmdutil.WithCode(cmdutil.ExitCredentials, err)
	}
	rid := sec.ReceiveID
	if s.ReceiveIDSet {
		rid = s.ReceiveID
	}
	c, err := cb.New(sec.Token, sec.EncodingAESKey, rid)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "%v (from the %s)", err, sec.Source)
	}
	return c, nil
}

// cryptoError maps a callback crypto error to an exit code: malformed input
// is a usage error (2), a check that did not pass is a failure (1).
func cryptoError(err error) error {
	if err == nil {
		return nil
	}
	switch cb.CodeOf(err) {
	case cb.CodeParse, cb.CodeDecodeBase64, cb.CodeIllegalAESKey, cb.CodeIllegalProtocol:
		return cmdutil.WithCode(cmdutil.ExitUsage, err)
	}
	return cmdutil.WithCode(cmdutil.ExitFailure, err)
}

// readInput reads FILE, or stdin for "-" / no argument, bounded in size.
func readInput(ios *iostreams.IOStreams, args []string) ([]byte, error) {
	var r io.Reader = ios.In
	name := "stdin"
	if len(args) == 1 && args[0] != "-" {
		file, err := os.Open(args[0])
		if err != nil {
			return nil, cmdutil.Errorf(cmdutil.ExitUsage, "cannot read input: %v", err)
		}
		defer file.Close()
		r, name = file, args[0]
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitFailure, "cannot read %s: %v", name, err)
	}
	if len(data) > maxInput {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "%s is larger than %d MiB", name, maxInput>>20)
	}
	return data, nil
}

// paramsFlags binds --msg-signature, --timestamp and --nonce.
func paramsFlags(cmd *cobra.Command, p *cb.Params) {
	cmd.Flags().StringVar(&p.MsgSignature, "msg-signature", "", "msg_signature query parameter")
	cmd.Flags().StringVar(&p.Timestamp, "timestamp", "", "timestamp query parameter")
	cmd.Flags().StringVar(&p.Nonce, "nonce", "", "nonce query parameter")
}

func checkParams(p cb.Params) error {
	if !p.Empty() && !p.Complete() {
		return cmdutil.FlagErrorf("--msg-signature, --timestamp and --nonce go together: give all three or none")
	}
	return nil
}

func withNewline(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return b
	}
	return append(b, '\n')
}

func itoa(n int) string { return fmt.Sprint(n) }

// maxArgs is cobra.MaximumNArgs reported as a usage error (exit 2).
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MaximumNArgs(n)(cmd, args); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		return nil
	}
}
