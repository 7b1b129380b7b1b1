// Package suite is `wwcli suite`: the suite of a third-party app
// (第三方应用) or a 代开发 template, as its service provider (服务商)
// develops it — suite_ticket, suite_access_token, and (in their own files)
// the install link and the permanent code.
package suite

import (
	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// NewCmd builds the `wwcli suite` noun and its verbs. One AddCommand line
// per verb.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "suite <command>",
		Short: "Third-party apps and 代开发 templates: suite ticket and token",
		Long: `Work with a suite: a third-party app (第三方应用, suite id ww…/wx…) or a
代开发 template (dk…), as its service provider.

WeCom pushes a suite_ticket to the app's instruction callback (指令回调)
every 10 minutes; each lasts 30 minutes (DOC 90628). With the suite id, its
secret and the latest ticket, service/get_suite_token gives the
suite_access_token (2 hours, DOC 97162), cached like every token.

Credentials (the secret is never a flag value), highest first:
  WWCLI_SUITE_ID + WWCLI_SUITE_SECRET   (CI)
  a profile from 'wwcli auth login --suite SUITE_ID'
  --sandbox: the sandbox's demo suite
The suite_ticket: WWCLI_SUITE_TICKET, else the latest one stored by
'wwcli callback serve --suite' or 'wwcli suite ticket set -'.

A corp that installed the suite is then reached with --auth-corp CORPID on
token, ticket, sign, api, userinfo and message: its permanent code (from
WWCLI_PERMANENT_CODE or stored by 'wwcli suite permanent-code') gives the
corp token through service/get_corp_token (DOC 90605). For a 代开发
template the permanent code is the app's secret for plain gettoken
(DOC 97164): 'wwcli token' with WWCLI_CORP_ID and WWCLI_SECRET works too.`,
		Example: `  wwcli --sandbox suite token
  wwcli --sandbox suite ticket --json
  wwcli --sandbox token --auth-corp ww5a8f2c1d9e0b3a47`,
	}
	cmd.AddCommand(newCmdToken(f, nil))
	cmd.AddCommand(newCmdTicket(f, nil))
	cmd.AddCommand(NewInstallURLCmd(f, nil))
	cmd.AddCommand(NewPermanentCodeCmd(f, nil))
	return cmd
}
