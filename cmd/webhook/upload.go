package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	"github.com/wwcli/wwcli/pkg/msgspec"
	wh "github.com/wwcli/wwcli/pkg/webhook"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// UploadOptions of `wwcli webhook upload`.
type UploadOptions struct {
	IO      *iostreams.IOStreams
	Connect func(ctx context.Context, k keyFlags) (*robotClient, error)

	Path     string
	Type     string
	Key      keyFlags
	Exporter cmdutil.Exporter
}

func newCmdUpload(f *cmdutil.Factory, runF func(context.Context, *UploadOptions) error) *cobra.Command {
	opts := &UploadOptions{IO: f.IO, Connect: connector(f)}
	cmd := &cobra.Command{
		Use:   "upload PATH [--type file|voice]",
		Short: "Upload a file for a robot and print its media_id",
		Long: `Upload a file (or an AMR voice clip) through webhook/upload_media and print
the media_id. It is valid for 3 days and only for the robot that uploaded it.
'wwcli webhook send --file PATH' uploads and sends in one step.`,
		Example: `  wwcli --sandbox webhook upload report.pdf
  wwcli webhook upload --robot ci-alerts memo.amr --type voice`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("give one PATH to upload, e.g. 'wwcli webhook upload report.pdf'")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if opts.Type != wh.File && opts.Type != wh.Voice {
				return cmdutil.FlagErrorf("--type %q: use file or voice", opts.Type)
			}
			if err := opts.Exporter.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUpload(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Type, "type", wh.File, "upload as `file` or voice (AMR)")
	opts.Key.bind(cmd)
	shared.AddJSONFlags(cmd, &opts.Exporter, "WeCom's answer {type, media_id, created_at}")
	return cmd
}

func runUpload(ctx context.Context, opts *UploadOptions) error {
	rule := msgspec.RobotFile
	if opts.Type == wh.Voice {
		rule = msgspec.RobotVoice
	}
	data, err := msgspec.ReadFile("PATH", opts.Path, rule)
	if err != nil {
		return err
	}
	rc, err := opts.Connect(ctx, opts.Key)
	if err != nil {
		return err
	}
	s := &wh.Sender{Client: rc.Client, Key: rc.Key}
	ans, err := s.Upload(ctx, &wh.Upload{Type: opts.Type, File: wecom.File{Name: filepath.Base(opts.Path), Data: data}})
	if err != nil {
		return err
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, opts.IO, ans.Raw)
	}
	_, err = fmt.Fprintln(opts.IO.Out, ans.MediaID)
	return err
}

func rawJSON(b []byte) json.RawMessage { return json.RawMessage(b) }
