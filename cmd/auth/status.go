package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/ui"
)

// StatusOptions of `wwcli auth status`.
type StatusOptions struct {
	f    *cmdutil.Factory
	JSON bool
}

// profileStatus is one profile as `auth status --json` shows it. It never
// holds a secret or a token.
type profileStatus struct {
	Profile        string        `json:"profile"`
	Active         bool          `json:"active"`
	CorpID         string        `json:"corp_id"`
	AgentID        string        `json:"agent_id,omitempty"`
	BaseURL        string        `json:"base_url,omitempty"`
	SecretStorage  string        `json:"secret_storage"`
	SecretLocation string        `json:"secret_location"`
	SecretState    string        `json:"secret_state"` // stored | missing | unavailable
	SecretProblem  string        `json:"secret_problem,omitempty"`
	CachedTokens   []cachedToken `json:"cached"`
}

type cachedToken struct {
	Kind      string `json:"kind"`
	AgentID   string `json:"agent_id,omitempty"`
	ExpiresAt string `json:"expires_at"`
	Expired   bool   `json:"expired"`
}

func newCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{f: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show profiles, where their secrets live and cached token expiry",
		Long: `Show each profile: corp id, agent id, where the secret is stored (and
whether it can be read now), and when cached tokens and tickets expire.
Secrets and tokens are never shown. Exits 4 when no credentials are set up.`,
		Example: `  wwcli auth status
  wwcli auth status --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the profiles as JSON")
	return cmd
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	f := opts.f
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	statuses := make([]profileStatus, 0, len(cfg.Profiles))
	for _, name := range cfg.Names() {
		statuses = append(statuses, describe(ctx, f, name, cfg.Profiles[name]))
	}
	envCorp := f.Getenv("WWCLI_CORP_ID")
	envSecret := f.Getenv("WWCLI_SECRET") != ""

	if opts.JSON {
		out := struct {
			Profiles []profileStatus `json:"profiles"`
			Env      *envStatus      `json:"environment,omitempty"`
		}{Profiles: statuses}
		if envCorp != "" || envSecret {
			out.Env = &envStatus{CorpID: envCorp, Secret: envSecret, AgentID: f.Getenv("WWCLI_AGENT_ID")}
		}
		if err := json.NewEncoder(f.IO.Out).Encode(out); err != nil {
			return err
		}
	} else {
		printStatus(f, statuses, envCorp, envSecret)
	}
	if len(statuses) == 0 && !(envCorp != "" && envSecret) {
		if !opts.JSON {
			fmt.Fprintln(f.IO.ErrOut, "No profiles. Run 'wwcli auth login --corp-id ww...' or set WWCLI_CORP_ID and WWCLI_SECRET.")
		}
		return cmdutil.Silent(cmdutil.ExitCredentials)
	}
	return nil
}

type envStatus struct {
	CorpID  string `json:"corp_id,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
	Secret  bool   `json:"secret_set"`
}

func describe(ctx context.Context, f *cmdutil.Factory, name string, p *config.Profile) profileStatus {
	st := profileStatus{Profile: name, Active: name == f.ProfileName(), CorpID: p.CorpID, AgentID: p.AgentID,
		BaseURL: p.BaseURL, SecretStorage: p.SecretStorage, CachedTokens: []cachedToken{}}
	store, err := f.SecretStore(p.SecretStorage)
	if err != nil {
		st.SecretState, st.SecretProblem = "unavailable", err.Error()
		return st
	}
	st.SecretLocation = store.Location()
	_, err = store.Get(ctx, config.SecretAccount(name))
	switch {
	case err == nil:
		st.SecretState = "stored"
	case errors.Is(err, credstore.ErrNotFound):
		st.SecretState = "missing"
	default:
		// Unavailable is not "logged out": say what is wrong with the store.
		st.SecretState = "unavailable"
		var u *credstore.UnavailableError
		if errors.As(err, &u) {
			st.SecretProblem = u.Reason
		} else {
			st.SecretProblem = err.Error()
		}
	}
	if c, err := tokenCache(f); err == nil {
		entries, _ := c.List()
		sort.Slice(entries, func(i, j int) bool { return entries[i].Kind < entries[j].Kind })
		for _, e := range entries {
			if e.CorpID != p.CorpID {
				continue
			}
			st.CachedTokens = append(st.CachedTokens, cachedToken{Kind: e.Kind, AgentID: e.AgentID,
				ExpiresAt: e.ExpiresAt.UTC().Format(time.RFC3339), Expired: !f.Now().Before(e.ExpiresAt)})
		}
	}
	return st
}

func printStatus(f *cmdutil.Factory, statuses []profileStatus, envCorp string, envSecret bool) {
	th := ui.New(f.IO.Out, f.IO.ColorOut())
	w := f.IO.Out
	for _, st := range statuses {
		marker := ""
		if st.Active {
			marker = " (active)"
		}
		fmt.Fprintf(w, "%s%s\n", th.Bold("profile "+st.Profile), marker)
		fmt.Fprintf(w, "  corp id:   %s\n", st.CorpID)
		if st.AgentID != "" {
			fmt.Fprintf(w, "  agent id:  %s\n", st.AgentID)
		}
		if st.BaseURL != "" {
			fmt.Fprintf(w, "  base url:  %s\n", st.BaseURL)
		}
		switch st.SecretState {
		case "stored":
			fmt.Fprintf(w, "  secret:    %s stored in %s\n", th.SuccessIcon(), st.SecretLocation)
		case "missing":
			fmt.Fprintf(w, "  secret:    %s missing from %s: run 'wwcli auth login --profile %s'\n", th.FailIcon(), st.SecretLocation, st.Profile)
		default:
			fmt.Fprintf(w, "  secret:    %s cannot check (%s): %s\n", th.WarnIcon(), st.SecretLocation, st.SecretProblem)
		}
		if st.SecretStorage == config.StorageFile {
			fmt.Fprintf(w, "  %s plain-text secret file (--insecure-storage)\n", th.WarnIcon())
		}
		for _, c := range st.CachedTokens {
			state := "expires " + c.ExpiresAt
			if c.Expired {
				state = "expired " + c.ExpiresAt
			}
			label := c.Kind
			if c.AgentID != "" {
				label += " (agent " + c.AgentID + ")"
			}
			fmt.Fprintf(w, "  cached:    %s, %s\n", label, state)
		}
	}
	if envCorp != "" || envSecret {
		fmt.Fprintf(w, "%s\n  WWCLI_CORP_ID=%s, WWCLI_SECRET %s (environment credentials win over profiles)\n",
			th.Bold("environment"), envCorp, map[bool]string{true: "set", false: "not set"}[envSecret])
	}
}
