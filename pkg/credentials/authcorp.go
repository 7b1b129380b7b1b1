package credentials

import (
	"context"
	"fmt"
	"strings"

	"github.com/wwcli/wwcli/pkg/sandbox"
)

// AuthCorpInput is --auth-corp with what else the command was given.
type AuthCorpInput struct {
	AppInput
	AuthCorp string // --auth-corp: a corp that authorized the suite
	// Try is the offline line the "no suite" message suggests.
	Try string
	// PermanentCode finds the permanent code corp gave suite and where it
	// came from; agentID is the agent an install made, if it made one. It
	// is the caller's: stored codes, and under --sandbox the installs of
	// this run.
	PermanentCode func(ctx context.Context, suite SuiteCredentials, corp string) (code, source, agentID string, err error)
}

// AuthCorp resolves --auth-corp: the corp's permanent code, through the
// suite (Suite). command is the command's name for messages.
func (s Sources) AuthCorp(ctx context.Context, command string, in AuthCorpInput) (Credentials, error) {
	if len(in.Args) > 0 || in.SecretStdin || in.SecretFile != "" || in.CorpID != "" {
		return Credentials{}, usageErrorf("--auth-corp uses the suite's credentials and the corp's permanent code: drop CORPID SECRET, --corp-id and --secret-stdin/--secret-file")
	}
	corp := strings.TrimSpace(in.AuthCorp)
	if strings.ContainsAny(corp, " \t\r\n") || corp == "" {
		return Credentials{}, usageErrorf("--auth-corp %q is not a corp id: copy auth_corp_info.corpid from 'wwcli suite permanent-code'", in.AuthCorp)
	}
	agentID := firstNonEmpty(in.AgentID, s.Getenv("WWCLI_AGENT_ID"))
	if err := ValidateAgentID(agentID); err != nil {
		return Credentials{}, err
	}
	if s.Sandbox && corp != sandbox.DemoCorpID {
		return Credentials{}, missingErrorf("--sandbox installs the demo suite only in the demo corp: use --auth-corp %s, or drop --sandbox to call WeCom", sandbox.DemoCorpID)
	}
	suite, err := s.Suite(ctx, command, in.Try)
	if err != nil {
		return Credentials{}, err
	}
	code, source, installedAgent, err := in.PermanentCode(ctx, suite, corp)
	if err != nil {
		return Credentials{}, err
	}
	agentID = firstNonEmpty(agentID, installedAgent)
	c := Credentials{CorpID: corp, Secret: code, AgentID: agentID, BaseURL: suite.BaseURL, Profile: suite.Profile,
		Source: fmt.Sprintf("corp %s authorized suite %s (%s; suite from %s)", corp, suite.SuiteID, source, suite.Source)}
	if !suite.IsTemplate() {
		c.Suite = &suite
	}
	return c, nil
}
