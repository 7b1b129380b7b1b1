package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/profile"
	"github.com/wwcli/wwcli/pkg/ui"
)

// StatusOptions of `wwcli auth status`: only what run needs.
type StatusOptions struct {
	IO     *iostreams.IOStreams
	Env    func() (profile.Env, error)
	Getenv func(string) string
	Now    func() time.Time

	Profile  string // the active one
	Exporter cmdutil.Exporter
}

// statusJSON is what --json prints.
type statusJSON struct {
	Profiles []profile.Status `json:"profiles"`
	Env      *envStatus       `json:"environment,omitempty"`
}

type envStatus struct {
	CorpID  string `json:"corp_id,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
	Secret  bool   `json:"secret_set"`
	// Third-party credentials in the environment (never their values).
	SuiteID        string `json:"suite_id,omitempty"`
	SuiteSecret    bool   `json:"suite_secret_set,omitempty"`
	SuiteTicket    bool   `json:"suite_ticket_set,omitempty"`
	ProviderSecret bool   `json:"provider_secret_set,omitempty"`
	PermanentCode  bool   `json:"permanent_code_set,omitempty"`
}

func newCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Env: envFunc(f), Getenv: f.Getenv, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show profiles, where their secrets live and cached token expiry",
		Long: `Show each profile: corp id, agent id, base URL, where the secret is stored
(and whether it can be read now), whether callback secrets are stored, and
when this app's cached tokens and tickets expire. Secrets and tokens are
never shown. Exits 4 when no credentials are set up, or when a profile's
secret cannot be read now (keyring locked, hung or off), after the report.

The report is this command's output, so it goes to stdout; use --json or
--jq in scripts.`,
		Example: `  wwcli auth status
  wwcli auth status --json
  wwcli auth status --jq '.profiles[] | select(.secret_state != "stored")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			opts.Profile = f.ProfileName()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	shared.AddJSONFlags(cmd, &opts.Exporter, "{profiles, environment}")
	return cmd
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	env, err := opts.Env()
	if err != nil {
		return err
	}
	cfg, err := config.Load(env.ConfigDir)
	if err != nil {
		return err
	}
	out := statusJSON{Profiles: make([]profile.Status, 0, len(cfg.Profiles))}
	for _, name := range cfg.Names() {
		st := profile.Describe(ctx, env, name, cfg.Profiles[name], opts.Now())
		st.Active = name == opts.Profile
		out.Profiles = append(out.Profiles, st)
	}
	envCorp, envSecret := opts.Getenv("WWCLI_CORP_ID"), opts.Getenv("WWCLI_SECRET") != ""
	if envCorp != "" || envSecret {
		out.Env = &envStatus{CorpID: envCorp, Secret: envSecret, AgentID: opts.Getenv("WWCLI_AGENT_ID")}
	}
	addThirdPartyEnv(&out, opts.Getenv)
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(ctx, opts.IO, out); err != nil {
			return err
		}
	} else {
		printStatus(opts.IO, out)
	}
	if len(out.Profiles) == 0 && !(envCorp != "" && envSecret) {
		if !opts.Exporter.Enabled() {
			fmt.Fprintln(opts.IO.ErrOut, "No profiles. Run 'wwcli auth login --corp-id CORPID' or set WWCLI_CORP_ID and WWCLI_SECRET.")
		}
		return cmdutil.Silent(cmdutil.ExitCredentials)
	}
	return profile.Unreadable(out.Profiles)
}

func printStatus(io *iostreams.IOStreams, out statusJSON) {
	w := io.Out
	th := ui.New(w, io.ColorOut())
	for _, st := range out.Profiles {
		marker := ""
		if st.Active {
			marker = " (active)"
		}
		fmt.Fprintf(w, "%s%s\n", th.Bold("profile "+st.Profile), marker)
		fields := [][2]string{{"corp id", st.CorpID}, {"agent id", orNone(st.AgentID)}}
		if st.BaseURL != "" {
			fields = append(fields, [2]string{"base url", st.BaseURL})
		}
		third := thirdPartyFields(th, st)
		switch st.SecretState {
		case profile.StateMissing:
			if len(third) > 0 { // a suite or provider profile need not hold an app secret
				fields = append(fields, [2]string{"secret", "none (no app secret)"})
				break
			}
			fields = append(fields, [2]string{"secret", fmt.Sprintf("%s missing from %s: run 'wwcli auth login --profile %s'", th.FailIcon(), st.SecretLocation, st.Profile)})
		case profile.StateStored:
			fields = append(fields, [2]string{"secret", th.SuccessIcon() + " stored in " + st.SecretLocation})
		default:
			fields = append(fields, [2]string{"secret", fmt.Sprintf("%s cannot check (%s): %s", th.WarnIcon(), st.SecretLocation, st.SecretProblem)})
		}
		switch {
		case st.Callback == nil:
			fields = append(fields, [2]string{"callback", "none"})
		case st.Callback.State == profile.StateStored:
			fields = append(fields, [2]string{"callback", th.SuccessIcon() + " Token and EncodingAESKey stored, receive id " + st.Callback.ReceiveID})
		case st.Callback.State == profile.StateMissing:
			fields = append(fields, [2]string{"callback", fmt.Sprintf("%s missing: run 'wwcli auth login --profile %s --callback'", th.FailIcon(), st.Profile)})
		default:
			fields = append(fields, [2]string{"callback", th.WarnIcon() + " cannot check"})
		}
		fields = append(fields, third...)
		for _, c := range st.CachedTokens {
			state := "expires " + c.ExpiresAt
			if c.Expired {
				state = "expired " + c.ExpiresAt
			}
			label := c.Kind
			if c.AgentID != "" {
				label += " (agent " + c.AgentID + ")"
			}
			fields = append(fields, [2]string{"cached", label + ", " + state})
		}
		writeFields(w, th, fields)
		if st.SecretStorage == config.StorageFile {
			fmt.Fprintf(w, "  %s plain-text secret file (--insecure-storage)\n", th.WarnIcon())
		}
	}
	if e := out.Env; e != nil {
		fmt.Fprintln(w, th.Bold("environment"))
		if e.CorpID != "" || e.Secret {
			fmt.Fprintf(w, "  WWCLI_CORP_ID=%s, WWCLI_SECRET %s (environment credentials win over profiles)\n",
				e.CorpID, map[bool]string{true: "set", false: "not set"}[e.Secret])
		}
		printThirdPartyEnv(w, e)
	}
}
