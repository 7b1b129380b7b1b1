package webhook

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/secretinput"
	wh "github.com/wwcli/wwcli/pkg/webhook"
)

// AddOptions of `wwcli webhook add`.
type AddOptions struct {
	IO     *iostreams.IOStreams
	Stores storeFns

	Name            string
	InsecureStorage bool
}

func newCmdAdd(f *cmdutil.Factory, runF func(context.Context, *AddOptions) error) *cobra.Command {
	opts := &AddOptions{IO: f.IO, Stores: stores(f)}
	cmd := &cobra.Command{
		Use:   "add NAME [--insecure-storage]",
		Short: "Store a robot's key in the OS keyring under NAME",
		Long: `Store a group robot's key under NAME, for 'wwcli webhook send --robot NAME'.
The key (or the whole webhook URL) is asked for with a masked prompt, or read
from stdin when it is not a terminal. It goes to the OS keyring; the config
file only records the name. Where there is no keyring, --insecure-storage
keeps it in a 0600 file instead.`,
		Example: `  wwcli webhook add ci-alerts
  echo "$WEBHOOK_URL" | wwcli webhook add ci-alerts --insecure-storage`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("give the robot a NAME, e.g. 'wwcli webhook add ci-alerts'")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := config.ValidRobotName(opts.Name); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAdd(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.InsecureStorage, "insecure-storage", false, "store the key in a 0600 file instead of the OS keyring")
	return cmd
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	cfg, err := opts.Stores.Config()
	if err != nil {
		return err
	}
	storage := config.StorageKeyring
	if opts.InsecureStorage {
		storage = config.StorageFile
	}
	store, err := opts.Stores.StoreFor(storage)
	if err != nil {
		return err
	}
	// Find out whether the keyring works before asking for the key.
	if _, err := store.Get(ctx, config.RobotAccount(opts.Name)); credstore.IsUnavailable(err) {
		return cmdutil.Errorf(cmdutil.ExitCredentials, "cannot store the robot key: %v", keyringAdvice(err, opts.Name))
	}
	var raw string
	if opts.IO.CanPrompt() {
		raw, err = opts.IO.ReadSecret(ctx, "Robot key or webhook URL (input hidden): ")
	} else {
		raw, err = secretinput.ReadStdin(opts.IO.In)
	}
	if err != nil {
		return cmdutil.WithCode(cmdutil.ExitCredentials, fmt.Errorf("reading the robot key: %w", err))
	}
	key, err := wh.ParseKey("the key", raw)
	if err != nil {
		return err
	}
	if err := wh.AddRobot(ctx, cfg, store, storage, opts.Name, key, opts.Stores.StoreFor); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Stored robot %q in %s; send with: wwcli webhook send --robot %s --text hello\n",
		opts.Name, store.Location(), opts.Name)
	if opts.InsecureStorage {
		fmt.Fprintln(opts.IO.ErrOut, "warning: the key is in a plain-text file; anyone who can read it as you can post to the group")
	}
	return nil
}

// ListOptions of `wwcli webhook list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Exporter cmdutil.Exporter
}

type robotRow struct {
	Name          string `json:"name"`
	SecretStorage string `json:"secret_storage"`
}

func newCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the stored robots (names only; keys stay secret)",
		Example: `  wwcli webhook list --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	shared.AddJSONFlags(cmd, &opts.Exporter, "[{name, secret_storage}]")
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	rows := []robotRow{}
	for _, n := range cfg.RobotNames() {
		rows = append(rows, robotRow{Name: n, SecretStorage: cfg.Robots[n].SecretStorage})
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, opts.IO, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no robots stored; add one with 'wwcli webhook add NAME'")
		return nil
	}
	for _, r := range rows {
		fmt.Fprintf(opts.IO.Out, "%s\t%s\n", r.Name, r.SecretStorage)
	}
	return nil
}

// RemoveOptions of `wwcli webhook remove`.
type RemoveOptions struct {
	IO     *iostreams.IOStreams
	Stores storeFns
	Name   string
}

func newCmdRemove(f *cmdutil.Factory, runF func(context.Context, *RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{IO: f.IO, Stores: stores(f)}
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Short:   "Forget a stored robot and delete its key",
		Example: `  wwcli webhook remove ci-alerts`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("give the NAME of a stored robot (see 'wwcli webhook list')")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRemove(cmd.Context(), opts)
		},
	}
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	cfg, err := opts.Stores.Config()
	if err != nil {
		return err
	}
	if err := wh.RemoveRobot(ctx, cfg, opts.Stores.StoreFor, opts.Name); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed robot %q\n", opts.Name)
	return nil
}

// keyringAdvice replaces the keyring's generic fixes with the robot's.
func keyringAdvice(err error, name string) string {
	var u *credstore.UnavailableError
	if !errors.As(err, &u) {
		return err.Error()
	}
	return fmt.Sprintf(`OS keyring unavailable: %s
Fixes:
  - CI and scripts: give the key as WWCLI_WEBHOOK_KEY or --key-file FILE instead of a stored robot
  - or keep it in a 0600 file on purpose: wwcli webhook add %s --insecure-storage`, u.Reason, name)
}
