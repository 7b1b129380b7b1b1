package userinfo

import (
	"context"
	"fmt"

	"github.com/wwcli/wwcli/pkg/cmdutil"
	"github.com/wwcli/wwcli/pkg/errcode"
	suitepkg "github.com/wwcli/wwcli/pkg/suite"
	"github.com/wwcli/wwcli/pkg/wecom"
)

// runSuite is `userinfo --suite`: getuserinfo3rd with the suite token
// (DOC 91121), and getuserdetail3rd with --detail (DOC 91122).
func runSuite(ctx context.Context, o *Options) error {
	ss, err := o.SuiteSession(ctx, "userinfo --suite", false)
	if err != nil {
		return err
	}
	if ss.Suite.IsTemplate() {
		return cmdutil.FlagErrorf("suite %s is a 代开发 template: its apps may not use getuserinfo3rd (DOC 91121); exchange the code like a self-built app's, with the authorized corp: wwcli userinfo --auth-corp CORPID CODE", ss.Suite.SuiteID)
	}
	s := &suitepkg.Suite{ID: ss.Suite.SuiteID, API: ss.Client(), WithToken: ss.WithToken}
	id, err := s.UserInfo(ctx, o.Code)
	if err != nil {
		return o.explain(err, errcode.StepOAuth)
	}
	if !o.Detail {
		return printSuiteIdentity(ctx, o, id)
	}
	ticket := id.Str("user_ticket")
	if ticket == "" {
		if err := printSuiteIdentity(ctx, o, id); err != nil {
			return err
		}
		return cmdutil.Errorf(cmdutil.ExitFailure, "%s", noTicketReason(id))
	}
	detail, err := s.UserDetail(ctx, ticket)
	if err != nil {
		return o.explain(err, errcode.StepDetail)
	}
	if o.Exporter.Enabled() {
		id["detail"] = detail
		return o.Exporter.Write(ctx, o.IO, id)
	}
	for _, k := range []string{"corpid", "userid", "name", "gender", "avatar", "qr_code"} {
		if v := fmt.Sprint(detail[k]); detail[k] != nil && v != "" {
			if _, err := fmt.Fprintf(o.IO.Out, "%s\t%s\n", k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// printSuiteIdentity: a member is "userid<TAB>corpid" (a provider serves
// many corps); a non-member is the openid, unique per provider.
func printSuiteIdentity(ctx context.Context, o *Options, id wecom.Identity) error {
	if o.Exporter.Enabled() {
		return o.Exporter.Write(ctx, o.IO, id)
	}
	if uid := id.Str("userid"); uid != "" {
		_, err := fmt.Fprintf(o.IO.Out, "%s\t%s\n", uid, id.Str("corpid"))
		return err
	}
	return printIdentity(ctx, o, id)
}
