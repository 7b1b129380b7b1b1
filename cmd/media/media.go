// Package media is `wwcli media`: temporary and permanent media uploads.
package media

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/shared"
	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/iostreams"
	msg "github.com/wwcli/wwcli/pkg/message"
)

// NewCmd builds `wwcli media`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "media <command>",
		Short: "Upload images, voice, video and files for app messages",
		Example: `  wwcli --sandbox media upload logo.png
  wwcli --sandbox media upload chart.png --permanent`,
	}
	cmd.AddCommand(newCmdUpload(f, nil))
	return cmd
}

// UploadOptions of `wwcli media upload`.
type UploadOptions struct {
	IO      *iostreams.IOStreams
	Session func(ctx context.Context, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error)

	Creds     cmdutil.CredInput
	Path      string
	Type      string
	Permanent bool
	NoCache   bool
	Exporter  cmdutil.Exporter
}

func newCmdUpload(f *cmdutil.Factory, runF func(context.Context, *UploadOptions) error) *cobra.Command {
	opts := &UploadOptions{IO: f.IO, Session: func(ctx context.Context, in cmdutil.CredInput, noCache bool) (*cmdutil.Session, error) {
		return f.Session(ctx, "media upload", in, noCache)
	}}
	cmd := &cobra.Command{
		Use:   "upload FILE [CORPID SECRET] [--type TYPE] [--permanent]",
		Short: "Upload a file and print its media_id (or URL with --permanent)",
		Long: `Upload a file through media/upload and print its media_id, valid 3 days for
every app of the corp. The type is guessed from the file's first bytes when
--type is not given (JPG/PNG image, AMR voice, MP4 video, else file), and
WeCom's limits are checked first: image 10 MB, voice 2 MB and 60 s, video
10 MB, file 20 MB, all more than 5 bytes.

--permanent uploads a JPG/PNG image (up to 2 MB) through media/uploadimg
and prints its permanent URL, for images inside articles.`,
		Example: `  wwcli --sandbox media upload logo.png
  wwcli media upload report.pdf --type file
  wwcli --sandbox media upload banner.png --permanent`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("give the PATH of the file to upload, e.g. 'wwcli media upload logo.png'")
			}
			return shared.CredArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path, opts.Creds.Args = args[0], args[1:]
			switch opts.Type {
			case "", msg.Image, msg.Voice, msg.Video, msg.File:
			default:
				return cmdutil.FlagErrorf("--type %q: use image, voice, video or file", opts.Type)
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
	fl := cmd.Flags()
	fl.StringVar(&opts.Type, "type", "", "upload as `TYPE`: image, voice, video or file (default: guessed)")
	fl.BoolVar(&opts.Permanent, "permanent", false, "upload a permanent image (media/uploadimg) and print its URL")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "neither read nor write the token cache")
	shared.AddCredFlags(cmd, &opts.Creds, "app agent id (AgentId); unused by uploads")
	shared.AddJSONFlags(cmd, &opts.Exporter, "WeCom's answer {type, media_id, created_at} or {url}")
	return cmd
}

func runUpload(ctx context.Context, opts *UploadOptions) error {
	u, err := msg.PrepareUpload("PATH", opts.Path, opts.Type, opts.Permanent)
	if err != nil {
		return err
	}
	s, err := opts.Session(ctx, opts.Creds, opts.NoCache)
	if err != nil {
		return err
	}
	up, err := msg.UploadFile(ctx, s, u)
	if err != nil {
		return err
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(ctx, opts.IO, up.Raw)
	}
	out := up.MediaID
	if u.Permanent {
		out = up.URL
	}
	_, err = fmt.Fprintln(opts.IO.Out, out)
	return err
}
