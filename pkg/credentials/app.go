package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/sandbox"
	"github.com/wwcli/wwcli/pkg/secretinput"
)

// AppInput is what a command was given to identify a WeCom app.
type AppInput struct {
	Args        []string // positional CORPID SECRET (0 or 2 of them)
	CorpID      string   // --corp-id
	AgentID     string   // --agent-id
	SecretStdin bool     // --secret-stdin
	SecretFile  string   // --secret-file
	Stdin       io.Reader
	// ArgsNote is called when the secret is a positional argument (it
	// lands in shell history); nil says nothing.
	ArgsNote func()
}

// ErrNoCredentials says no source had an app's credentials and no profile
// was chosen: the caller shows every way in.
var ErrNoCredentials = errors.New("no WeCom credentials")

// SandboxCorpError is --sandbox with credentials of another corp than the
// demo corp, which is the only one the in-process sandbox serves.
type SandboxCorpError struct {
	Corp   string
	Source string // what named it: "WWCLI_CORP_ID"
}

func (e *SandboxCorpError) Error() string {
	return fmt.Sprintf("--sandbox knows only its demo corp %s, not %s (from %s)", sandbox.DemoCorpID, e.Corp, e.Source)
}

// App applies the documented precedence: positional arguments > --corp-id
// with --secret-stdin/--secret-file > WWCLI_* env > profile (secret from
// the keyring or the opt-in file); under --sandbox, without explicit
// credentials, the demo app.
func (s Sources) App(ctx context.Context, in AppInput) (Credentials, error) {
	agentID := firstNonEmpty(in.AgentID, s.Getenv("WWCLI_AGENT_ID"))
	if err := ValidateAgentID(agentID); err != nil {
		return Credentials{}, err
	}
	switch len(in.Args) {
	case 0:
	case 2:
		if in.SecretStdin || in.SecretFile != "" {
			return Credentials{}, usageErrorf("give the secret once: positional SECRET or --secret-stdin/--secret-file, not both")
		}
		if in.ArgsNote != nil {
			in.ArgsNote()
		}
		return s.withProfileAgent(Credentials{CorpID: in.Args[0], Secret: in.Args[1], AgentID: agentID, Source: "arguments"}, Check(in.Args[0], in.Args[1]))
	default:
		return Credentials{}, usageErrorf("expected CORPID SECRET (two arguments) or none, got %d", len(in.Args))
	}

	if in.SecretStdin || in.SecretFile != "" {
		secret, source, err := s.readSecret(in)
		if err != nil {
			return Credentials{}, err
		}
		corp := firstNonEmpty(in.CorpID, s.Getenv("WWCLI_CORP_ID"))
		if corp == "" {
			p, err := s.profile()
			if err != nil {
				return Credentials{}, err
			}
			if p != nil {
				corp = p.CorpID
			}
		}
		if corp == "" {
			return Credentials{}, usageErrorf("%s needs a corp id: add --corp-id ww...", source)
		}
		return s.withProfileAgent(Credentials{CorpID: corp, Secret: secret, AgentID: agentID, Source: source}, Check(corp, secret))
	}
	if in.CorpID != "" && s.Getenv("WWCLI_SECRET") == "" {
		return Credentials{}, usageErrorf("--corp-id needs a secret: add --secret-stdin or --secret-file FILE (or set WWCLI_SECRET)")
	}

	envCorp, envSecret := s.Getenv("WWCLI_CORP_ID"), s.Getenv("WWCLI_SECRET")
	if in.CorpID != "" {
		envCorp = in.CorpID
	}
	switch {
	case envCorp != "" && envSecret != "":
		return s.withProfileAgent(Credentials{CorpID: envCorp, Secret: envSecret, AgentID: agentID, Source: "WWCLI_SECRET"}, Check(envCorp, envSecret))
	case envSecret != "":
		return Credentials{}, missingErrorf("WWCLI_SECRET is set but WWCLI_CORP_ID is not: set both")
	case envCorp != "":
		// WWCLI_CORP_ID alone (authurl's corp-id fallback) only names the
		// corp: the profile (or the sandbox) of that corp supplies the rest.
		if err := s.corpIDOnly(envCorp); err != nil {
			return Credentials{}, err
		}
	}

	// The sandbox never sees real secrets: without explicit credentials it
	// uses the demo app instead of the profile.
	if s.Sandbox {
		return Credentials{CorpID: sandbox.DemoCorpID, Secret: sandbox.DemoAppSecret,
			AgentID: firstNonEmpty(agentID, fmt.Sprint(sandbox.DemoAgentID)), Source: "sandbox demo app"}, nil
	}
	return s.profileCredentials(ctx, agentID)
}

func (s Sources) profileCredentials(ctx context.Context, agentID string) (Credentials, error) {
	name := s.Profile
	p, err := s.profile()
	if err != nil {
		return Credentials{}, err
	}
	if p == nil {
		if s.ProfileChosen {
			return Credentials{}, missingErrorf("no profile %q: create it with 'wwcli auth login --profile %s --corp-id ww...'", name, name)
		}
		return Credentials{}, ErrNoCredentials
	}
	store, err := s.Store(p.SecretStorage)
	if err != nil {
		return Credentials{}, missing(err)
	}
	secret, err := store.Get(ctx, config.SecretAccount(name))
	switch {
	case errors.Is(err, credstore.ErrNotFound):
		return Credentials{}, missingErrorf("profile %q has no secret in %s: run 'wwcli auth login --profile %s'", name, store.Location(), name)
	case credstore.IsUnavailable(err):
		return Credentials{}, missing(fmt.Errorf("cannot read the secret of profile %q: %w", name, err))
	case err != nil:
		return Credentials{}, missing(err)
	}
	return Credentials{CorpID: p.CorpID, Secret: secret, AgentID: firstNonEmpty(agentID, p.AgentID),
		Source: fmt.Sprintf("profile %q (%s)", name, store.Kind()), Profile: name, BaseURL: p.BaseURL}, nil
}

// corpIDOnly checks that WWCLI_CORP_ID, set without WWCLI_SECRET, names
// the corp the rest of the credentials will come from.
func (s Sources) corpIDOnly(corp string) error {
	if s.Sandbox {
		if corp != sandbox.DemoCorpID {
			return &SandboxCorpError{Corp: corp, Source: "WWCLI_CORP_ID"}
		}
		return nil
	}
	p, err := s.profile()
	if err != nil {
		return err
	}
	switch {
	case p == nil:
		return missingErrorf("WWCLI_CORP_ID is set but WWCLI_SECRET is not, and there is no profile %q: set both", s.Profile)
	case p.CorpID != corp:
		return missingErrorf("WWCLI_CORP_ID is %s but profile %q is for corp %s: set WWCLI_SECRET too, or unset WWCLI_CORP_ID to use the profile", corp, s.Profile, p.CorpID)
	}
	return nil
}

// withProfileAgent fills the agent id from the profile when the explicit
// credentials did not name one (agent tickets are per app). checkErr, the
// credentials' own check, is reported first; then a config that cannot be
// read, the same way on every path.
func (s Sources) withProfileAgent(c Credentials, checkErr error) (Credentials, error) {
	if checkErr != nil {
		return c, checkErr
	}
	if c.AgentID == "" {
		p, err := s.profile()
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
func (s Sources) readSecret(in AppInput) (secret, source string, err error) {
	if in.SecretStdin && in.SecretFile != "" {
		return "", "", usageErrorf("use either --secret-stdin or --secret-file, not both")
	}
	if in.SecretStdin {
		source = "--secret-stdin"
		secret, err = secretinput.ReadStdin(in.Stdin)
	} else {
		source = "--secret-file"
		secret, err = secretinput.ReadFile(in.SecretFile, func(msg string) { s.Warnf("%s", msg) })
	}
	if err != nil {
		return "", "", missingErrorf("%s: %v", source, err)
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
		return usageErrorf("agent id %q is not a number: copy AgentId from 管理后台 → 应用管理 → the app (e.g. --agent-id 1000002)", s)
	}
	return nil
}
