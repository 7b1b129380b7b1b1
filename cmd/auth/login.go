package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/tokencache"
	"github.com/wwcli/wwcli/pkg/ui"
)

// LoginOptions of `wwcli auth login`.
type LoginOptions struct {
	f               *cmdutil.Factory
	CorpID          string
	AgentID         string
	SecretStdin     bool
	SecretFile      string
	NoVerify        bool
	InsecureStorage bool
	// Callback also stores the callback Token and EncodingAESKey, read from
	// CallbackSecretsFile, WWCLI_CALLBACK_TOKEN/WWCLI_CALLBACK_AES_KEY, or prompts.
	Callback            bool
	CallbackSecretsFile string
}

func newCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{f: f}
	cmd := &cobra.Command{
		Use:   "login --corp-id ID [--agent-id N] [--secret-stdin]",
		Short: "Verify an app secret and store it in the OS keyring",
		Long: `Verify the app secret with /cgi-bin/gettoken (unless --no-verify) and store
it: the secret in the OS keyring, the corp id, agent id and base URL in the
config file. Without --secret-stdin or --secret-file the secret is asked
for with a masked prompt.

Where no keyring is available (headless Linux, containers), either run
inside 'dbus-run-session' with gnome-keyring, use WWCLI_CORP_ID and
WWCLI_SECRET instead of a profile, or pass --insecure-storage to keep the
secret in a 0600 file (auth status says so).`,
		Example: `  wwcli auth login --corp-id ww5a8f2c1d9e0b3a47 --agent-id 1000002
  pass show wecom/app | wwcli auth login --corp-id ww... --secret-stdin
  wwcli auth login --profile staging --corp-id ww... --secret-file ./secret.txt
  wwcli auth login --corp-id ww... --secret-stdin --insecure-storage`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.CorpID == "" {
				return cmdutil.FlagErrorf("--corp-id is required (管理后台 → 我的企业 → 企业信息 → 企业ID)")
			}
			if opts.SecretStdin && opts.SecretFile != "" {
				return cmdutil.FlagErrorf("use either --secret-stdin or --secret-file, not both")
			}
			if opts.AgentID != "" {
				if n, err := strconv.Atoi(opts.AgentID); err != nil || n <= 0 {
					return cmdutil.FlagErrorf("--agent-id must be a positive integer (the app's AgentId), got %q", opts.AgentID)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return runLogin(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.CorpID, "corp-id", "", "corp id (企业ID)")
	fl.StringVar(&opts.AgentID, "agent-id", "", "the app's AgentId")
	fl.BoolVar(&opts.SecretStdin, "secret-stdin", false, "read the app secret from stdin")
	fl.StringVar(&opts.SecretFile, "secret-file", "", "read the app secret from `FILE`")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "store without checking the secret with gettoken")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "store the secret in a 0600 file instead of the OS keyring")
	fl.BoolVar(&opts.Callback, "callback", false, "also store the callback Token and EncodingAESKey")
	fl.StringVar(&opts.CallbackSecretsFile, "callback-secrets-file", "", "with --callback: JSON `FILE` {\"token\",\"encoding_aes_key\"}")
	return cmd
}

func runLogin(ctx context.Context, opts *LoginOptions) error {
	f := opts.f
	name := f.ProfileName()
	if err := config.ValidProfileName(name); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if !config.LooksLikeCorpID(opts.CorpID) {
		fmt.Fprintf(f.IO.ErrOut, "warning: %q does not look like a corp id (usually \"ww\" + 16 hex digits)\n", opts.CorpID)
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	secret, err := readLoginSecret(opts)
	if err != nil {
		return err
	}
	var cbSecrets *cb.Secrets
	if opts.Callback {
		if cbSecrets, err = readCallbackSecrets(opts); err != nil {
			return err
		}
	}
	creds := cmdutil.Credentials{CorpID: opts.CorpID, Secret: secret, AgentID: opts.AgentID, Source: "auth login"}
	if !opts.NoVerify {
		s, err := f.SessionFor(creds, true)
		if err != nil {
			return err
		}
		if _, err := s.Token(ctx, true); err != nil {
			fmt.Fprintln(f.IO.ErrOut, "The secret was not stored: gettoken failed.")
			return err
		}
	}

	storage := config.StorageKeyring
	if opts.InsecureStorage {
		storage = config.StorageFile
	}
	store, err := f.SecretStore(storage)
	if err != nil {
		return err
	}
	if err := store.Set(ctx, config.SecretAccount(name), secret); err != nil {
		if credstore.IsUnavailable(err) {
			return cmdutil.WithCode(cmdutil.ExitCredentials, err)
		}
		return err
	}
	if cbSecrets != nil {
		if err := store.Set(ctx, config.CallbackTokenAccount(name), cbSecrets.Token); err != nil {
			return cmdutil.WithCode(cmdutil.ExitCredentials, err)
		}
		if err := store.Set(ctx, config.CallbackKeyAccount(name), cbSecrets.EncodingAESKey); err != nil {
			return cmdutil.WithCode(cmdutil.ExitCredentials, err)
		}
	}
	prev := cfg.Profiles[name]
	keepCallback := cbSecrets == nil && prev != nil && prev.Callback && carryCallbackSecrets(ctx, f, name, prev.SecretStorage, store)
	p := &config.Profile{CorpID: opts.CorpID, AgentID: opts.AgentID, SecretStorage: storage, Callback: cbSecrets != nil || keepCallback}
	if f.Global.BaseURL != "" {
		p.BaseURL = f.Global.BaseURL
	}
	cfg.Profiles[name] = p
	if err := cfg.Save(); err != nil {
		return fmt.Errorf("saving %s: %v", cfg.Path(), err)
	}
	// The secret moved stores: remove the old copy only now that the new
	// one is safely written.
	if prev != nil && prev.SecretStorage != storage {
		if old, err := f.SecretStore(prev.SecretStorage); err == nil {
			_ = old.Delete(ctx, config.SecretAccount(name))
			if keepCallback {
				_ = old.Delete(ctx, config.CallbackTokenAccount(name))
				_ = old.Delete(ctx, config.CallbackKeyAccount(name))
			}
		}
	}
	dropCachedTokens(f, opts.CorpID)

	th := ui.New(f.IO.ErrOut, f.IO.ColorErr())
	fmt.Fprintf(f.IO.ErrOut, "%s Logged in: profile %q, corp %s", th.SuccessIcon(), name, opts.CorpID)
	if opts.AgentID != "" {
		fmt.Fprintf(f.IO.ErrOut, ", agent %s", opts.AgentID)
	}
	fmt.Fprintf(f.IO.ErrOut, "\n  secret stored in %s\n", store.Location())
	if opts.InsecureStorage {
		fmt.Fprintf(f.IO.ErrOut, "%s the secret is in a plain-text file; anyone who can read it as you can use it\n", th.WarnIcon())
	}
	if opts.NoVerify {
		fmt.Fprintln(f.IO.ErrOut, "  not verified (--no-verify): check it with 'wwcli token'")
	}
	return nil
}

func readLoginSecret(opts *LoginOptions) (string, error) {
	f := opts.f
	var b []byte
	var err error
	switch {
	case opts.SecretStdin:
		b, err = io.ReadAll(io.LimitReader(f.IO.In, 64<<10))
	case opts.SecretFile != "":
		b, err = os.ReadFile(opts.SecretFile)
	case f.IO.CanPrompt():
		var typed string
		typed, err = f.IO.ReadSecret("App secret (input hidden): ")
		b = []byte(typed)
	default:
		return "", cmdutil.FlagErrorf("no terminal to ask for the secret: use --secret-stdin or --secret-file FILE")
	}
	if err != nil {
		return "", fmt.Errorf("reading the secret: %v", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", cmdutil.FlagErrorf("the secret is empty")
	}
	return secret, nil
}

// carryCallbackSecrets keeps the callback secrets of a profile that is
// logged in again without --callback: they stay where they are, or are
// copied to the new store when the storage changes. When they cannot be
// copied they are left in the old store, untouched, and the user is told.
func carryCallbackSecrets(ctx context.Context, f *cmdutil.Factory, name, oldStorage string, to credstore.Store) bool {
	old, err := f.SecretStore(oldStorage)
	if err != nil {
		return false
	}
	if old.Location() == to.Location() {
		return true
	}
	for _, account := range []string{config.CallbackTokenAccount(name), config.CallbackKeyAccount(name)} {
		v, err := old.Get(ctx, account)
		if err == nil {
			err = to.Set(ctx, account, v)
		}
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "warning: the callback secrets stay in %s (%v); run 'wwcli auth login --callback' to store them again\n", old.Location(), err)
			return false
		}
	}
	return true
}

// readCallbackSecrets gets the callback Token and EncodingAESKey for
// --callback and checks the key's shape before anything is stored.
func readCallbackSecrets(opts *LoginOptions) (*cb.Secrets, error) {
	f := opts.f
	sec, err := f.CallbackSecretsGiven(opts.CallbackSecretsFile)
	if errors.Is(err, cmdutil.ErrNoCallbackSecrets) && f.IO.CanPrompt() {
		sec, err = promptCallbackSecrets(opts)
	}
	if errors.Is(err, cmdutil.ErrNoCallbackSecrets) {
		return nil, cmdutil.FlagErrorf("--callback needs the Token and EncodingAESKey: --callback-secrets-file FILE, or WWCLI_CALLBACK_TOKEN and WWCLI_CALLBACK_AES_KEY")
	}
	if err != nil {
		return nil, cmdutil.WithCode(cmdutil.ExitCredentials, err)
	}
	if _, err := cb.New(sec.Token, sec.EncodingAESKey, opts.CorpID); err != nil {
		return nil, cmdutil.FlagErrorf("callback secrets: %v", err)
	}
	return sec, nil
}

func promptCallbackSecrets(opts *LoginOptions) (*cb.Secrets, error) {
	token, err := opts.f.IO.ReadSecret("Callback Token (input hidden): ")
	if err != nil {
		return nil, err
	}
	key, err := opts.f.IO.ReadSecret("Callback EncodingAESKey (input hidden): ")
	if err != nil {
		return nil, err
	}
	return &cb.Secrets{Token: strings.TrimSpace(token), EncodingAESKey: strings.TrimSpace(key), Source: "prompt"}, nil
}

// dropCachedTokens forgets tokens of corpID (best effort: a cache that
// cannot be read holds nothing to forget).
func dropCachedTokens(f *cmdutil.Factory, corpID string) int {
	c, err := tokenCache(f)
	if err != nil {
		return 0
	}
	n, _ := c.PurgeCorp(corpID)
	return n
}

func tokenCache(f *cmdutil.Factory) (*tokencache.Cache, error) {
	dir, err := f.CacheDir()
	if err != nil {
		return nil, err
	}
	c := tokencache.New(dir + string(os.PathSeparator) + "tokens")
	c.Now = f.Now
	return c, nil
}
