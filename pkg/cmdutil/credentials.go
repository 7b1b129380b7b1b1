package cmdutil

import (
	"context"
	"fmt"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credentials"
	"github.com/wwcli/wwcli/pkg/sandbox"
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

// ResolveCredentials applies the documented precedence: positional
// arguments > --corp-id with --secret-stdin/--secret-file > WWCLI_* env >
// profile (secret from the keyring or the opt-in file). command is the
// command's name for messages ("ticket"). Under --sandbox, explicit
// credentials must be the demo corp's: the in-process sandbox knows no
// other, and its 40013 would blame a corp id that is fine.
func (f *Factory) ResolveCredentials(ctx context.Context, command string, in CredInput) (credentials.Credentials, error) {
	if f.RelayMode() {
		if in.AuthCorp != "" {
			return credentials.Credentials{}, errRelayThirdParty
		}
		return f.relayCredentials(ctx, in)
	}
	c, err := f.resolveCredentials(ctx, command, in)
	if err == nil && f.Global.Sandbox && c.CorpID != sandbox.DemoCorpID {
		return credentials.Credentials{}, Errorf(ExitCredentials, "%s", sandboxDemoOnly(f.usage(command), c.CorpID, f.explicitSource(c.Source, in)))
	}
	return c, err
}

func (f *Factory) resolveCredentials(ctx context.Context, command string, in CredInput) (credentials.Credentials, error) {
	if in.AuthCorp != "" {
		return f.resolveAuthCorp(ctx, command, in)
	}
	c, err := f.Sources().App(ctx, credentials.AppInput{Args: in.Args, CorpID: in.CorpID, AgentID: in.AgentID,
		SecretStdin: in.SecretStdin, SecretFile: in.SecretFile, Stdin: f.IO.In, ArgsNote: f.argsNote})
	return c, f.credentialsError(command, err)
}

// argsNote tells a terminal user that a secret on the command line is
// kept in shell history.
func (f *Factory) argsNote() {
	if f.IO.IsStderrTTY() {
		fmt.Fprintf(f.IO.ErrOut, "note: a secret on the command line lands in shell history; 'wwcli auth login' keeps it in the OS keyring\n")
	}
}

// credentialsError is exitError with the messages that suggest commands:
// every way in when there are no credentials, the demo app when --sandbox
// met another corp.
func (f *Factory) credentialsError(command string, err error) error {
	if err == credentials.ErrNoCredentials {
		return Errorf(ExitCredentials, "%s", missingCredentials(f.usage(command)))
	}
	if sc, ok := err.(*credentials.SandboxCorpError); ok {
		return Errorf(ExitCredentials, "%s", sandboxDemoOnly(f.usage(command), sc.Corp, sc.Source))
	}
	return exitError(err)
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

// ValidateAgentID is the one check of an app's AgentId
// (credentials.ValidateAgentID) with cmdutil's exit codes.
func ValidateAgentID(s string) error { return exitError(credentials.ValidateAgentID(s)) }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
