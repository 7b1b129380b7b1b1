package cmd

import (
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/cmd/api"
	"github.com/wwcli/wwcli/cmd/auth"
	"github.com/wwcli/wwcli/cmd/authurl"
	"github.com/wwcli/wwcli/cmd/callback"
	"github.com/wwcli/wwcli/cmd/doctor"
	"github.com/wwcli/wwcli/cmd/errcode"
	"github.com/wwcli/wwcli/cmd/media"
	"github.com/wwcli/wwcli/cmd/message"
	"github.com/wwcli/wwcli/cmd/provider"
	"github.com/wwcli/wwcli/cmd/relay"
	"github.com/wwcli/wwcli/cmd/sandbox"
	"github.com/wwcli/wwcli/cmd/sign"
	"github.com/wwcli/wwcli/cmd/suite"
	"github.com/wwcli/wwcli/cmd/ticket"
	"github.com/wwcli/wwcli/cmd/token"
	"github.com/wwcli/wwcli/cmd/userinfo"
	"github.com/wwcli/wwcli/cmd/verifydomain"
	"github.com/wwcli/wwcli/cmd/version"
	"github.com/wwcli/wwcli/cmd/webhook"
	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// addCommands registers every top-level command. One line per command.
func addCommands(root *cobra.Command, f *cmdutil.Factory) {
	root.AddCommand(version.NewCmd(f, nil))
	root.AddCommand(sandbox.NewCmd(f, nil))
	root.AddCommand(authurl.NewCmd(f, nil))
	root.AddCommand(verifydomain.NewCmd(f, nil))
	root.AddCommand(errcode.NewCmd(f, nil))
	root.AddCommand(callback.NewCmd(f))
	root.AddCommand(token.NewCmd(f, nil))
	root.AddCommand(userinfo.NewCmd(f, nil))
	root.AddCommand(ticket.NewCmd(f, nil))
	root.AddCommand(auth.NewCmd(f))
	root.AddCommand(sign.NewCmd(f, nil))
	root.AddCommand(api.NewCmd(f, nil))
	root.AddCommand(doctor.NewCmd(f, nil))
	root.AddCommand(webhook.NewCmd(f))
	root.AddCommand(message.NewCmd(f))
	root.AddCommand(media.NewCmd(f))
	root.AddCommand(relay.NewCmd(f, nil))
	root.AddCommand(suite.NewCmd(f))
	root.AddCommand(provider.NewCmd(f))
}
