package auth

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/ui"
)

// ListOptions of `wwcli auth list`: only what run needs.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)

	Profile  string // the active one
	Exporter cmdutil.Exporter
}

// listEntry is one profile as `auth list --json` prints it.
type listEntry struct {
	Profile       string `json:"profile"`
	Active        bool   `json:"active"`
	CorpID        string `json:"corp_id"`
	AgentID       string `json:"agent_id,omitempty"`
	BaseURL       string `json:"base_url,omitempty"`
	SecretStorage string `json:"secret_storage"`
	Callback      bool   `json:"callback"`
	SuiteID       string `json:"suite_id,omitempty"` // auth login --suite
	Provider      bool   `json:"provider,omitempty"` // auth login --provider
}

func newCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List profile names (one per line; a table on a terminal)",
		Long: `List the profiles: their names one per line when piped, a table on a
terminal. With no profiles the output is empty and the exit status 0.`,
		Example: `  wwcli auth list
  for p in $(wwcli auth list); do wwcli --profile "$p" token >/dev/null; done
  wwcli auth list --jq '.[] | select(.secret_storage == "file") | .profile'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			opts.Profile = f.ProfileName()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	shared.AddJSONFlags(cmd, &opts.Exporter, "[{profile, active, corp_id, agent_id, base_url, secret_storage, callback, suite_id, provider}]")
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	entries := make([]listEntry, 0, len(cfg.Profiles))
	for _, n := range cfg.Names() {
		p := cfg.Profiles[n]
		entries = append(entries, listEntry{Profile: n, Active: n == opts.Profile, CorpID: p.CorpID, AgentID: p.AgentID,
			BaseURL: p.BaseURL, SecretStorage: p.SecretStorage, Callback: p.Callback, SuiteID: p.SuiteID, Provider: p.Provider})
	}
	io := opts.IO
	switch {
	case opts.Exporter.Enabled():
		return opts.Exporter.Write(ctx, io, entries)
	case !io.IsStdoutTTY():
		for _, e := range entries {
			fmt.Fprintln(io.Out, e.Profile)
		}
		return nil
	case len(entries) == 0:
		fmt.Fprintln(io.ErrOut, "No profiles yet: wwcli auth login --corp-id CORPID")
		return nil
	}
	tb := ui.New(io.Out, io.ColorOut()).NewTable("  PROFILE", "CORP ID", "AGENT ID", "SECRET", "BASE URL")
	for _, e := range entries {
		marker := "  "
		if e.Active {
			marker = "* "
		}
		tb.AddRow(marker+e.Profile, e.CorpID, orDash(e.AgentID), e.SecretStorage, orDash(e.BaseURL))
	}
	return tb.Render(io.Out)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
