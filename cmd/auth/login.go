package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	cb "github.com/wwcli/wwcli/pkg/callback"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/profile"
	"github.com/wwcli/wwcli/pkg/secretinput"
	"github.com/wwcli/wwcli/pkg/shellquote"
	"github.com/wwcli/wwcli/pkg/ui"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// LoginOptions of `wwcli auth login`: only what run needs.
type LoginOptions struct {
	IO  *iostreams.IOStreams
	Env func() (profile.Env, error)
	// CallbackSecrets returns the callback secrets handed over for this run
	// (the file when not "", else WWCLI_CALLBACK_*), or cb.ErrNoSecrets.
	CallbackSecrets func(file string) (*cb.Secrets, error)
	// Verify checks the secret with gettoken (not cached).
	Verify func(ctx context.Context, creds credentials.Credentials) error
	Warnf  func(format string, a ...any)

	Profile string
	Creds   cmdutil.CredInput // --corp-id, --agent-id, --secret-stdin, --secret-file
	// AgentID and BaseURL are set when the flag was given ("" clears the
	// stored value); nil keeps what the profile has.
	AgentID *string
	BaseURL *string
	// EnvBaseURL is WWCLI_BASE_URL: this login is checked against it, but
	// it is never stored.
	EnvBaseURL      string
	NoVerify        bool
	InsecureStorage bool
	// Callback also stores the callback Token and EncodingAESKey, from
	// CallbackSecretsFile (which implies it), WWCLI_CALLBACK_TOKEN and
	// WWCLI_CALLBACK_AES_KEY, or prompts.
	Callback            bool
	CallbackSecretsFile string

	// Suite (--suite ID) or Provider (--provider) stores that secret
	// instead of an app secret (login_thirdparty.go).
	Suite          string
	Provider       bool
	VerifySuite    func(ctx context.Context, suite credentials.SuiteCredentials) error
	VerifyProvider func(ctx context.Context, p credentials.ProviderCredentials) error
}

func newCmdLogin(f *cmdutil.Factory, runF func(context.Context, *LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{IO: f.IO, Env: envFunc(f), Warnf: f.Warnf, CallbackSecrets: f.CallbackSecretsGiven,
		Verify: func(ctx context.Context, creds credentials.Credentials) error {
			s, err := f.SessionFor(creds, true)
			if err != nil {
				return err
			}
			_, err = s.Token(ctx, true)
			return err
		}}
	cmd := &cobra.Command{
		Use:   "login [--corp-id ID] [--secret-file FILE | --secret-stdin]",
		Short: "Verify an app secret and store it in the OS keyring",
		Long: `Verify the app secret with /cgi-bin/gettoken (unless --no-verify) and store
it: the secret in the OS keyring, the corp id, agent id and base URL in the
config file. Without --secret-stdin or --secret-file the secret is asked
for with a masked prompt, after checking that the keyring can store it.

Logging in again to an existing profile (to rotate the secret) keeps what
you do not pass: the corp id, agent id, base URL and callback secrets stay,
and every stored field is printed. --agent-id '' clears the agent id.
The base URL is stored only from --base-url, never from WWCLI_BASE_URL.

--callback (or --callback-secrets-file FILE, a 0600 JSON file
{"token": "...", "encoding_aes_key": "...", "receive_id": "..."}) also
stores the callback Token and EncodingAESKey for 'wwcli callback'; without
the file they come from WWCLI_CALLBACK_TOKEN and WWCLI_CALLBACK_AES_KEY, or
are asked for. receive_id is optional (default: the corp id).

--suite ID stores a suite secret (third-party app ww…, 代开发 template
dk…) and --provider --corp-id ID the provider secret, in the same store,
keeping the rest of the profile; they are checked with get_suite_token
(once a suite_ticket has arrived) and get_provider_token. A 代开发 app's
permanent code is its app secret: log it in as an app (--corp-id).

Where no keyring is available (headless Linux, containers), either run
inside 'dbus-run-session' with gnome-keyring, use WWCLI_CORP_ID and
WWCLI_SECRET instead of a profile, or pass --insecure-storage to keep the
secret in a 0600 file (auth status says so).`,
		Example: `  wwcli auth login --corp-id ww5a8f2c1d9e0b3a47 --agent-id 1000002
  pass show wecom/app | wwcli auth login --corp-id ww... --secret-stdin
  wwcli auth login --profile staging --corp-id ww... --secret-file ./secret.txt
  wwcli auth login --secret-file ./new-secret.txt   # rotate: keeps the rest
  wwcli auth login --callback-secrets-file cb.json --secret-file ./secret.txt
  wwcli auth login --profile isv --suite ww... --secret-file ./secret.txt \
    --insecure-storage
  wwcli auth login --profile isv --provider --corp-id ww... \
    --secret-file ./secret.txt --insecure-storage --no-verify`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Creds.SecretStdin && opts.Creds.SecretFile != "" {
				return cmdutil.FlagErrorf("use either --secret-stdin or --secret-file, not both")
			}
			fl := cmd.Flags()
			if fl.Changed("agent-id") {
				if err := cmdutil.ValidateAgentID(opts.Creds.AgentID); err != nil {
					return err
				}
				opts.AgentID = &opts.Creds.AgentID
			}
			if fl.Lookup("base-url") != nil && fl.Changed("base-url") {
				opts.BaseURL = &f.Global.BaseURL
			} else {
				opts.EnvBaseURL = f.Global.BaseURL
			}
			if f.Global.Sandbox {
				opts.EnvBaseURL = ""
			}
			opts.Callback = opts.Callback || opts.CallbackSecretsFile != ""
			opts.Profile = f.ProfileName()
			if err := checkThirdPartyFlags(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Suite != "" || opts.Provider {
				return runLoginThirdParty(cmd.Context(), opts)
			}
			return runLogin(cmd.Context(), opts)
		},
	}
	shared.AddCredFlags(cmd, &opts.Creds, "")
	fl := cmd.Flags()
	// The same flags as every command, with login's own meaning (login
	// reads no WWCLI_* credentials from the environment).
	fl.Lookup("corp-id").Usage = "corp id (企业ID); needed for a new profile"
	fl.Lookup("agent-id").Usage = "the app's AgentId (a later login that omits it keeps it)"
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "store without checking the secret with gettoken")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "store the secret in a 0600 file instead of the OS keyring")
	fl.BoolVar(&opts.Callback, "callback", false, "also store the callback Token and EncodingAESKey")
	fl.StringVar(&opts.CallbackSecretsFile, "callback-secrets-file", "", "callback secrets `FILE`; implies --callback")
	addThirdPartyFlags(f, cmd, opts)
	return cmd
}

// loginProfile is how every login begins: the profile name checked, the
// secret stores, and the profile as it is now (nil when it is new).
func loginProfile(opts *LoginOptions) (profile.Env, *config.Profile, error) {
	if err := config.ValidProfileName(opts.Profile); err != nil {
		return profile.Env{}, nil, cmdutil.FlagErrorf("%v", err)
	}
	env, err := opts.Env()
	if err != nil {
		return profile.Env{}, nil, err
	}
	cfg, err := config.Load(env.ConfigDir)
	if err != nil {
		return profile.Env{}, nil, err
	}
	return env, cfg.Profiles[opts.Profile], nil
}

// storage is where the login stores the secret: the OS keyring, or with
// --insecure-storage a 0600 file.
func (o *LoginOptions) storage() string {
	if o.InsecureStorage {
		return config.StorageFile
	}
	return config.StorageKeyring
}

func runLogin(ctx context.Context, opts *LoginOptions) error {
	name := opts.Profile
	env, prev, err := loginProfile(opts)
	if err != nil {
		return err
	}
	if opts.Creds.CorpID == "" && prev == nil {
		return cmdutil.FlagErrorf("--corp-id is required for a new profile (管理后台 → 我的企业 → 企业信息 → 企业ID)")
	}
	if id := opts.Creds.CorpID; id != "" && !config.LooksLikeCorpID(id) {
		opts.Warnf("%q does not look like a corp id (usually \"ww\" + 16 hex digits)", id)
	}
	prompting := !opts.Creds.SecretStdin && opts.Creds.SecretFile == ""
	if prompting && !opts.IO.CanPrompt() {
		return cmdutil.FlagErrorf("no terminal to ask for the secret: use --secret-stdin or --secret-file FILE")
	}
	storage := opts.storage()
	if prompting {
		// A person may have to unlock the keyring in a dialog first.
		plain := env.Store
		env.Store = func(kind string) (credstore.Store, error) {
			s, err := plain(kind)
			if err != nil {
				return nil, err
			}
			return credstore.Interactive(s), nil
		}
	}
	// Find out whether the secret can be stored before anyone types it.
	store, err := env.Store(storage)
	if err != nil {
		return err
	}
	if err := credstore.Probe(ctx, store); err != nil {
		return storeError(opts, prev, err)
	}

	secret, err := readSecret(ctx, opts, prompting, "App secret")
	if err != nil {
		return err
	}
	req := profile.Request{Name: name, CorpID: opts.Creds.CorpID, AgentID: opts.AgentID, BaseURL: opts.BaseURL,
		Secret: secret, Storage: storage}
	merged, _, _ := profile.Merge(prev, req)
	if opts.Callback {
		if req.Callback, err = readCallbackSecrets(ctx, opts, merged.CorpID); err != nil {
			return err
		}
	}
	if !opts.NoVerify {
		creds := credentials.Credentials{CorpID: merged.CorpID, Secret: secret, AgentID: merged.AgentID,
			BaseURL: merged.BaseURL, Source: "auth login"}
		if err := opts.Verify(ctx, creds); err != nil {
			if ctx.Err() == nil {
				fmt.Fprintln(opts.IO.ErrOut, "The secret was not stored: gettoken failed.")
			}
			return err
		}
	}
	res, err := profile.Login(ctx, env, req)
	if err != nil {
		return storeError(opts, prev, err)
	}
	for _, w := range res.Warnings {
		opts.Warnf("%s", w)
	}
	if opts.EnvBaseURL != "" && res.Profile.BaseURL != strings.TrimRight(opts.EnvBaseURL, "/") {
		opts.Warnf("the secret was checked against WWCLI_BASE_URL (%s), which is not stored with the profile; to store it: wwcli auth login --profile %s --base-url %s",
			opts.EnvBaseURL, name, opts.EnvBaseURL)
	}
	printLogin(opts, res)
	return nil
}

// printLogin shows every stored field, saying which were kept from the
// previous login and which were not carried over to another corp.
func printLogin(opts *LoginOptions, res *profile.Result) {
	w := opts.IO.ErrOut
	th := ui.New(w, opts.IO.ColorErr())
	p := res.Profile
	kept := func(field, value string) string {
		for _, k := range res.Kept {
			if k == field {
				return value + " " + th.Muted("(kept)")
			}
		}
		return value
	}
	fmt.Fprintf(w, "%s Logged in: profile %q\n", th.SuccessIcon(), opts.Profile)
	base := p.BaseURL
	if base == "" {
		base = wecom.DefaultBaseURL + " (default)"
	}
	secret := res.SecretLocation
	if res.MovedFrom != "" {
		secret += " (moved from " + res.MovedFrom + ")"
	}
	callback := "none"
	if p.Callback {
		callback = "Token and EncodingAESKey stored, receive id " + receiveID(p)
	}
	writeFields(w, th, [][2]string{
		{"corp id", kept(profile.FieldCorpID, p.CorpID)},
		{"agent id", kept(profile.FieldAgentID, orNone(p.AgentID))},
		{"base url", kept(profile.FieldBaseURL, base)},
		{"secret", secret},
		{"callback", kept(profile.FieldCallback, callback)},
	})
	if len(res.Dropped) > 0 {
		fmt.Fprintf(w, "  %s not carried over from the previous corp %s: %s\n", th.WarnIcon(), res.PreviousCorpID, strings.Join(res.Dropped, ", "))
	}
	if res.Purged > 0 {
		fmt.Fprintf(w, "  %d cached token(s) of the replaced secret dropped\n", res.Purged)
	}
	if p.SecretStorage == config.StorageFile {
		fmt.Fprintf(w, "%s the secret is in a plain-text file; anyone who can read it as you can use it\n", th.WarnIcon())
	}
	if opts.NoVerify {
		fmt.Fprintln(w, "  not verified (--no-verify): check it with 'wwcli token'")
	}
}

func receiveID(p config.Profile) string {
	if p.CallbackReceiveID != "" {
		return p.CallbackReceiveID
	}
	return p.CorpID + " (the corp id)"
}

// readSecret reads the secret through the one strict reader
// (pkg/secretinput), or asks for it by its label ("App secret"). Ctrl-C at
// the prompt returns the context's error alone: the root command then says
// only "interrupted".
func readSecret(ctx context.Context, opts *LoginOptions, prompting bool, label string) (string, error) {
	var secret, source string
	var err error
	switch {
	case opts.Creds.SecretStdin:
		source = "--secret-stdin"
		secret, err = secretinput.ReadStdin(opts.IO.In)
	case !prompting:
		source = "--secret-file"
		secret, err = secretinput.ReadFile(opts.Creds.SecretFile, func(msg string) { opts.Warnf("%s", msg) })
	default:
		secret, err = opts.IO.ReadSecret(ctx, label+" (input hidden): ")
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err != nil {
			return "", fmt.Errorf("reading the secret: %w", err)
		}
		if secret = strings.TrimSpace(secret); secret == "" {
			return "", cmdutil.FlagErrorf("the secret is empty")
		}
		return secret, nil
	}
	if err != nil {
		return "", cmdutil.Errorf(cmdutil.ExitCredentials, "%s: %v", source, err)
	}
	return secret, nil
}

// readCallbackSecrets gets the callback Token and EncodingAESKey for
// --callback (or asks for them) and checks their shape before anything is
// stored.
func readCallbackSecrets(ctx context.Context, opts *LoginOptions, corpID string) (*cb.Secrets, error) {
	sec, err := opts.CallbackSecrets(opts.CallbackSecretsFile)
	if errors.Is(err, credentials.ErrNoCallbackSecrets) && opts.IO.CanPrompt() {
		sec, err = promptCallbackSecrets(ctx, opts.IO)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if errors.Is(err, credentials.ErrNoCallbackSecrets) {
		return nil, cmdutil.FlagErrorf("--callback needs the Token and EncodingAESKey: --callback-secrets-file FILE, or WWCLI_CALLBACK_TOKEN and WWCLI_CALLBACK_AES_KEY")
	}
	if err != nil {
		return nil, cmdutil.WithCode(cmdutil.ExitCredentials, err)
	}
	if err := profile.CheckCallbackSecrets(sec, corpID); err != nil {
		return nil, cmdutil.FlagErrorf("%v", err)
	}
	return sec, nil
}

func promptCallbackSecrets(ctx context.Context, io *iostreams.IOStreams) (*cb.Secrets, error) {
	token, err := io.ReadSecret(ctx, "Callback Token (input hidden): ")
	if err != nil {
		return nil, err
	}
	key, err := io.ReadSecret(ctx, "Callback EncodingAESKey (input hidden): ")
	if err != nil {
		return nil, err
	}
	return &cb.Secrets{Token: strings.TrimSpace(token), EncodingAESKey: strings.TrimSpace(key), Source: "prompt"}, nil
}

// storeError turns "the keyring is unavailable" into login's own advice,
// with this very login's command line plus --insecure-storage to paste.
func storeError(opts *LoginOptions, prev *config.Profile, err error) error {
	var u *credstore.UnavailableError
	if !errors.As(err, &u) {
		return err
	}
	return cmdutil.Errorf(cmdutil.ExitCredentials, `cannot store the secret: OS keyring unavailable: %s
Fixes:
  - keep it in a 0600 plain-text file instead:
      %s
  - headless Linux: run inside 'dbus-run-session' with an unlocked gnome-keyring
    (echo PASSWORD | gnome-keyring-daemon --unlock --components=secrets)
  - CI and scripts: set WWCLI_CORP_ID and WWCLI_SECRET (and WWCLI_AGENT_ID)
    instead of a stored profile`, u.Reason, insecureCommand(opts, prev))
}

// insecureCommand is this login again, with --insecure-storage.
func insecureCommand(opts *LoginOptions, prev *config.Profile) string {
	args := []string{"wwcli", "auth", "login"}
	if opts.Profile != config.DefaultProfile {
		args = append(args, "--profile", opts.Profile)
	}
	if opts.Creds.CorpID != "" {
		args = append(args, "--corp-id", opts.Creds.CorpID)
	} else if prev == nil {
		args = append(args, "--corp-id", "CORPID")
	}
	if opts.AgentID != nil {
		args = append(args, "--agent-id", *opts.AgentID)
	}
	if opts.BaseURL != nil {
		args = append(args, "--base-url", *opts.BaseURL)
	}
	switch {
	case opts.Creds.SecretStdin:
		args = append(args, "--secret-stdin")
	case opts.Creds.SecretFile != "":
		args = append(args, "--secret-file", opts.Creds.SecretFile)
	}
	if opts.NoVerify {
		args = append(args, "--no-verify")
	}
	if opts.CallbackSecretsFile != "" {
		args = append(args, "--callback-secrets-file", opts.CallbackSecretsFile)
	} else if opts.Callback {
		args = append(args, "--callback")
	}
	return shellquote.Join(append(args, "--insecure-storage")...)
}
