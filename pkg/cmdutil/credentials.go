package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/secretinput"
)

// CredInput is what a command was given to identify the WeCom app.
type CredInput struct {
	Args        []string // positional CORPID SECRET (0 or 2 of them)
	CorpID      string   // --corp-id
	AgentID     string   // --agent-id
	SecretStdin bool     // --secret-stdin
	SecretFile  string   // --secret-file
	// AuthCorp is --auth-corp: a corp that authorized the suite; its token
	// comes through the suite with the corp's permanent code.
	AuthCorp string
}

// Credentials are a resolved corp id + app secret and where they came from.
type Credentials struct {
	CorpID  string
	Secret  string
	AgentID string
	Source  string // for humans: "arguments", "WWCLI_SECRET", "profile \"default\" (OS keyring)"
	Profile string // set when the secret came from a profile
	BaseURL string // the profile's base URL, if any
	// Suite is set for a corp that authorized a third-party suite
	// (--auth-corp): Secret is then the corp's permanent code and the
	// access token comes from get_corp_token with the suite's token.
	Suite *SuiteCredentials
}

// ResolveCredentials applies the documented precedence: positional
// arguments > --corp-id with --secret-stdin/--secret-file > WWCLI_* env >
// profile (secret from the keyring or the opt-in file). command is the
// command's name for messages ("ticket"). Under --sandbox, explicit
// credentials must be the demo corp's: the in-process sandbox knows no
// other, and its 40013 would blame a corp id that is fine.
func (f *Factory) ResolveCredentials(ctx context.Context, command string, in CredInput) (Credentials, error) {
	if f.RelayMode() {
		if in.AuthCorp != "" {
			return Credentials{}, errRelayThirdParty
		}
		return f.relayCredentials(ctx, in)
	}
	c, err := f.resolveCredentials(ctx, command, in)
	if err == nil && f.Global.Sandbox && c.CorpID != sandbox.DemoCorpID {
		return Credentials{}, Errorf(ExitCredentials, "%s", sandboxDemoOnly(f.usage(command), c.CorpID, f.explicitSource(c.Source, in)))
	}
	return c, err
}

func (f *Factory) resolveCredentials(ctx context.Context, command string, in CredInput) (Credentials, error) {
	if in.AuthCorp != "" {
		return f.resolveAuthCorp(ctx, command, in)
	}
	agentID := firstNonEmpty(in.AgentID, f.Getenv("WWCLI_AGENT_ID"))
	if err := ValidateAgentID(agentID); err != nil {
		return Credentials{}, err
	}
	switch len(in.Args) {
	case 0:
	case 2:
		if in.SecretStdin || in.SecretFile != "" {
			return Credentials{}, FlagErrorf("give the secret once: positional SECRET or --secret-stdin/--secret-file, not both")
		}
		if f.IO.IsStderrTTY() {
			fmt.Fprintf(f.IO.ErrOut, "note: a secret on the command line lands in shell history; 'wwcli auth login' keeps it in the OS keyring\n")
		}
		return f.withProfileAgent(Credentials{CorpID: in.Args[0], Secret: in.Args[1], AgentID: agentID, Source: "arguments"}, checkCreds(in.Args[0], in.Args[1]))
	default:
		return Credentials{}, FlagErrorf("expected CORPID SECRET (two arguments) or none, got %d", len(in.Args))
	}

	if in.SecretStdin || in.SecretFile != "" {
		secret, source, err := f.readSecret(in)
		if err != nil {
			return Credentials{}, err
		}
		corp := firstNonEmpty(in.CorpID, f.Getenv("WWCLI_CORP_ID"))
		if corp == "" {
			p, err := f.profile()
			if err != nil {
				return Credentials{}, err
			}
			if p != nil {
				corp = p.CorpID
			}
		}
		if corp == "" {
			return Credentials{}, FlagErrorf("%s needs a corp id: add --corp-id ww...", source)
		}
		return f.withProfileAgent(Credentials{CorpID: corp, Secret: secret, AgentID: agentID, Source: source}, checkCreds(corp, secret))
	}
	if in.CorpID != "" && f.Getenv("WWCLI_SECRET") == "" {
		return Credentials{}, FlagErrorf("--corp-id needs a secret: add --secret-stdin or --secret-file FILE (or set WWCLI_SECRET)")
	}

	envCorp, envSecret := f.Getenv("WWCLI_CORP_ID"), f.Getenv("WWCLI_SECRET")
	if in.CorpID != "" {
		envCorp = in.CorpID
	}
	switch {
	case envCorp != "" && envSecret != "":
		return f.withProfileAgent(Credentials{CorpID: envCorp, Secret: envSecret, AgentID: agentID, Source: "WWCLI_SECRET"}, checkCreds(envCorp, envSecret))
	case envSecret != "":
		return Credentials{}, Errorf(ExitCredentials, "WWCLI_SECRET is set but WWCLI_CORP_ID is not: set both")
	case envCorp != "":
		// WWCLI_CORP_ID alone (authurl's corp-id fallback) only names the
		// corp: the profile (or the sandbox) of that corp supplies the rest.
		if err := f.corpIDOnly(command, envCorp); err != nil {
			return Credentials{}, err
		}
	}

	// The sandbox never sees real secrets: without explicit credentials it
	// uses the demo app instead of the profile.
	if f.Global.Sandbox {
		return Credentials{CorpID: sandbox.DemoCorpID, Secret: sandbox.DemoAppSecret,
			AgentID: firstNonEmpty(agentID, fmt.Sprint(sandbox.DemoAgentID)), Source: "sandbox demo app"}, nil
	}
	return f.profileCredentials(ctx, command, agentID)
}

func (f *Factory) profileCredentials(ctx context.Context, command, agentID string) (Credentials, error) {
	name := f.ProfileName()
	p, err := f.profile()
	if err != nil {
		return Credentials{}, err
	}
	if p == nil {
		if f.Global.Profile != "" {
			return Credentials{}, Errorf(ExitCredentials, "no profile %q: create it with 'wwcli auth login --profile %s --corp-id ww...'", name, name)
		}
		return Credentials{}, Errorf(ExitCredentials, "%s", missingCredentials(f.usage(command)))
	}
	store, err := f.SecretStore(p.SecretStorage)
	if err != nil {
		return Credentials{}, WithCode(ExitCredentials, err)
	}
	secret, err := store.Get(ctx, config.SecretAccount(name))
	switch {
	case errors.Is(err, credstore.ErrNotFound):
		return Credentials{}, Errorf(ExitCredentials, "profile %q has no secret in %s: run 'wwcli auth login --profile %s'", name, store.Location(), name)
	case credstore.IsUnavailable(err):
		return Credentials{}, WithCode(ExitCredentials, fmt.Errorf("cannot read the secret of profile %q: %w", name, err))
	case err != nil:
		return Credentials{}, WithCode(ExitCredentials, err)
	}
	return Credentials{CorpID: p.CorpID, Secret: secret, AgentID: firstNonEmpty(agentID, p.AgentID),
		Source: fmt.Sprintf("profile %q (%s)", name, store.Kind()), Profile: name, BaseURL: p.BaseURL}, nil
}

// corpIDOnly checks that WWCLI_CORP_ID, set without WWCLI_SECRET, names
// the corp the rest of the credentials will come from.
func (f *Factory) corpIDOnly(command, corp string) error {
	if f.Global.Sandbox {
		if corp != sandbox.DemoCorpID {
			return Errorf(ExitCredentials, "%s", sandboxDemoOnly(f.usage(command), corp, "WWCLI_CORP_ID"))
		}
		return nil
	}
	p, err := f.profile()
	if err != nil {
		return err
	}
	switch {
	case p == nil:
		return Errorf(ExitCredentials, "WWCLI_CORP_ID is set but WWCLI_SECRET is not, and there is no profile %q: set both", f.ProfileName())
	case p.CorpID != corp:
		return Errorf(ExitCredentials, "WWCLI_CORP_ID is %s but profile %q is for corp %s: set WWCLI_SECRET too, or unset WWCLI_CORP_ID to use the profile", corp, f.ProfileName(), p.CorpID)
	}
	return nil
}

// usage is the running command's usage line, for suggestions; without
// one (no cobra), that of a command taking nothing but credentials.
func (f *Factory) usage(command string) string {
	if f.UseLine != "" {
		return f.UseLine
	}
	return "wwcli " + command + " [CORPID SECRET]"
}

// explicitSource names, for the sandbox message, what to drop so that
// --sandbox uses its demo app.
func (f *Factory) explicitSource(source string, in CredInput) string {
	switch {
	case source == "arguments":
		return "CORPID SECRET"
	case in.CorpID != "":
		return "--corp-id"
	case f.Getenv("WWCLI_CORP_ID") != "":
		return "WWCLI_CORP_ID"
	}
	return source // --secret-file with the profile's corp id
}

// profile returns the selected profile, or nil when it does not exist.
func (f *Factory) profile() (*config.Profile, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return cfg.Profiles[f.ProfileName()], nil
}

// withProfileAgent fills the agent id from the profile when the explicit
// credentials did not name one (agent tickets are per app). checkErr, the
// credentials' own check, is reported first; then a config that cannot be
// read, the same way on every path.
func (f *Factory) withProfileAgent(c Credentials, checkErr error) (Credentials, error) {
	if checkErr != nil {
		return c, checkErr
	}
	if c.AgentID == "" {
		p, err := f.profile()
		if err != nil {
			return Credentials{}, err
		}
		if p != nil && p.CorpID == c.CorpID {
			c.AgentID = p.AgentID
		}
	}
	return c, nil
}

// readSecret reads --secret-stdin or --secret-file through the one strict
// secret reader (pkg/secretinput).
func (f *Factory) readSecret(in CredInput) (secret, source string, err error) {
	if in.SecretStdin && in.SecretFile != "" {
		return "", "", FlagErrorf("use either --secret-stdin or --secret-file, not both")
	}
	if in.SecretStdin {
		source = "--secret-stdin"
		secret, err = secretinput.ReadStdin(f.IO.In)
	} else {
		source = "--secret-file"
		secret, err = secretinput.ReadFile(in.SecretFile, func(msg string) { f.Warnf("%s", msg) })
	}
	if err != nil {
		return "", "", Errorf(ExitCredentials, "%s: %v", source, err)
	}
	return secret, source, nil
}

// ValidateAgentID is the one check of an app's AgentId: a positive number
// (WeCom's agentid is an integer such as 1000002).
func ValidateAgentID(s string) error {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return FlagErrorf("agent id %q is not a number: copy AgentId from 管理后台 → 应用管理 → the app (e.g. --agent-id 1000002)", s)
	}
	return nil
}

func checkCreds(corpID, secret string) error {
	if strings.TrimSpace(corpID) == "" || strings.TrimSpace(secret) == "" {
		return FlagErrorf("CORPID and SECRET must not be empty")
	}
	if strings.ContainsAny(corpID, " \t\r\n") {
		return FlagErrorf("corp id %q contains whitespace; copy it again from 管理后台 → 我的企业 → 企业信息", corpID)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
