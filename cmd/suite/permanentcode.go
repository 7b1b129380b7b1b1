package suite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	suitepkg "github.com/wwcli/wwcli/pkg/suite"
	"github.com/wwcli/wwcli/pkg/ui"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// PermanentCodeOptions of `wwcli suite permanent-code`.
type PermanentCodeOptions struct {
	IO           *iostreams.IOStreams
	Warnf        func(format string, a ...any)
	SuiteSession func(ctx context.Context, command string, noCache bool) (*cmdutil.SuiteSession, error)
	// Store keeps the permanent code (cmdutil.Factory.StorePermanentCode).
	Store func(ctx context.Context, suiteID, corpID, code string) error

	AuthCode   string
	V2         bool
	ShowSecret bool
	NoCache    bool
	Exporter   cmdutil.Exporter
}

// NewPermanentCodeCmd builds `wwcli suite permanent-code`. runF replaces
// the run function in tests.
func NewPermanentCodeCmd(f *cmdutil.Factory, runF func(context.Context, *PermanentCodeOptions) error) *cobra.Command {
	opts := &PermanentCodeOptions{IO: f.IO, Warnf: f.Warnf, SuiteSession: f.SuiteSession, Store: f.StorePermanentCode}
	cmd := &cobra.Command{
		Use:   "permanent-code AUTH_CODE [--v2]",
		Short: "Exchange an install's auth_code for the corp's permanent code",
		Long: `Exchange the temporary auth_code of an install (the redirect's
?auth_code=, or the create_auth / reset_permanent_code callback; 10 minutes,
single use) for the corp's permanent code, with get_permanent_code
(DOC 90603), or service/v2/get_permanent_code with --v2 (DOC 100776; its
agents come from one get_auth_info call). AUTH_CODE "-" reads the code
from stdin; a code may start with "-", so put -- before it.

The permanent code is stored in the profile's secret store (the OS
keyring, or the file of an --insecure-storage profile) under the suite
and the authorized corp; then '--auth-corp CORPID' works on token, ticket,
sign, api, userinfo and message. It is never printed, except with
--json --show-secret (to copy it into a CI secret: WWCLI_PERMANENT_CODE).

stdout: "corp_id<TAB>ID", "corp_name<TAB>NAME", then one
"agent<TAB>AGENTID<TAB>NAME" line per app the corp granted. --json prints
{suite_id, auth_corp_id, corp_name, corp_full_name, agents, auth_user,
state, endpoint, stored}.

For a 代开发 template (dk…) the permanent code is the corp app's secret:
'wwcli token --corp-id CORPID --secret-stdin' with it gives the app's
token through gettoken (DOC 97164).`,
		Example: `  wwcli suite permanent-code -- "$AUTH_CODE"
  wwcli suite permanent-code --v2 --json -- "$AUTH_CODE"
  printf '%s\n' "$AUTH_CODE" | wwcli suite permanent-code -`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("expected one AUTH_CODE (the ?auth_code= of the install redirect), got %d argument(s)", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.AuthCode = args[0]
			if opts.ShowSecret && !opts.Exporter.Enabled() {
				return cmdutil.FlagErrorf("--show-secret goes with --json: the permanent code is printed only inside the JSON object")
			}
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runPermanentCode(c.Context(), opts)
		},
	}
	// Codes may start with "-", which pflag takes for a flag: say how out.
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cmdutil.FlagErrorf("%v (if that is the auth_code, put -- before it: wwcli suite permanent-code [flags] -- AUTH_CODE)", err)
	})
	fl := cmd.Flags()
	fl.BoolVar(&opts.V2, "v2", false, "use service/v2/get_permanent_code (+ get_auth_info)")
	fl.BoolVar(&opts.ShowSecret, "show-secret", false, "with --json: include permanent_code")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	shared.AddJSONFlags(cmd, &opts.Exporter, "{suite_id, auth_corp_id, corp_name, agents, ...}")
	return cmd
}

// permanentCodeJSON is --json's object; PermanentCode only with --show-secret.
type permanentCodeJSON struct {
	SuiteID       string             `json:"suite_id"`
	AuthCorpID    string             `json:"auth_corp_id"`
	CorpName      string             `json:"corp_name"`
	CorpFullName  string             `json:"corp_full_name,omitempty"`
	Agents        []suitepkg.Agent   `json:"agents"`
	AuthUser      wecom.AuthUserInfo `json:"auth_user"`
	State         string             `json:"state,omitempty"`
	Endpoint      string             `json:"endpoint"`
	Stored        bool               `json:"stored"`
	PermanentCode string             `json:"permanent_code,omitempty"`
}

func runPermanentCode(ctx context.Context, opts *PermanentCodeOptions) error {
	code := opts.AuthCode
	if code == "-" {
		line, err := bufio.NewReader(io.LimitReader(opts.IO.In, suitepkg.MaxAuthCodeLen+2)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return cmdutil.Errorf(cmdutil.ExitFailure, "reading the auth_code from stdin: %v", err)
		}
		code = strings.TrimRight(line, "\r\n")
	}
	if err := suitepkg.CheckAuthCode(code); err != nil {
		return asUsage(err)
	}
	ss, err := opts.SuiteSession(ctx, "suite permanent-code", opts.NoCache)
	if err != nil {
		return err
	}
	s := &suitepkg.Suite{ID: ss.Suite.SuiteID, API: ss.Client(), WithToken: ss.WithToken}
	auth, err := s.Exchange(ctx, code, opts.V2)
	var agentsErr *suitepkg.AgentsError
	if err != nil && !errors.As(err, &agentsErr) {
		return asUsage(err)
	}

	t := ui.New(opts.IO.ErrOut, opts.IO.ColorErr())
	storeErr := opts.Store(ctx, s.ID, auth.CorpID, auth.PermanentCode)
	switch {
	case storeErr == nil:
		fmt.Fprintf(opts.IO.ErrOut, "%s permanent code of %s stored for suite %s: use --auth-corp %s\n",
			t.SuccessIcon(), auth.CorpID, s.ID, auth.CorpID)
	case opts.ShowSecret:
		opts.Warnf("the permanent code could not be stored; it is only in the JSON on stdout: keep it (e.g. as WWCLI_PERMANENT_CODE)\n%v", storeErr)
	default:
		// The auth_code is spent: say plainly what was lost and how not to
		// lose the next one.
		return cmdutil.Errorf(cmdutil.ExitCredentials, "%v\nthe auth_code is spent and the permanent code was not kept: the corp must install again "+
			"(代开发: reset the secret in the console). Next time make a store available (wwcli auth login --suite %s, or "+
			"--insecure-storage), or capture it with --json --show-secret", storeErr, s.ID)
	}
	if auth.AccessToken == "" && strings.HasPrefix(s.ID, "dk") {
		fmt.Fprintf(opts.IO.ErrOut, "%s 代开发: this permanent code is the app's secret for gettoken with corp id %s (DOC 97164)\n", t.Muted("note:"), auth.CorpID)
	}

	if err := printAuthorization(ctx, opts, s.ID, auth, storeErr == nil); err != nil {
		return err
	}
	if agentsErr != nil {
		return agentsErr.Err // the code is stored; the agents are what failed
	}
	return nil
}

func printAuthorization(ctx context.Context, opts *PermanentCodeOptions, suiteID string, a suitepkg.Authorization, stored bool) error {
	if opts.Exporter.Enabled() {
		doc := permanentCodeJSON{SuiteID: suiteID, AuthCorpID: a.CorpID, CorpName: a.CorpName, CorpFullName: a.CorpFullName,
			Agents: a.Agents, AuthUser: a.AuthUser, State: a.State, Endpoint: "v1", Stored: stored}
		if a.V2 {
			doc.Endpoint = "v2"
		}
		if opts.ShowSecret {
			doc.PermanentCode = a.PermanentCode
		}
		return opts.Exporter.Write(ctx, opts.IO, doc)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "corp_id\t%s\ncorp_name\t%s\n", a.CorpID, a.CorpName)
	for _, ag := range a.Agents {
		fmt.Fprintf(&b, "agent\t%d\t%s\n", ag.AgentID, ag.Name)
	}
	_, err := io.WriteString(opts.IO.Out, b.String())
	return err
}
