package oauth

import "strings"

// validateSuite checks the rules of a third-party app's in-app OAuth2 link
// (DOC 91120, https://developer.work.weixin.qq.com/document/path/91120):
// the same authorize URL with appid = the suite id and no agentid; the
// redirect domain must be the third-party app's trusted domain, and
// snsapi_privateinfo needs the app's 成员敏感信息授权 permission instead of an
// agent id.
func validateSuite(p Params) ([]Warning, error) {
	if p.Kind != KindOAuth {
		return nil, errorf("suite", "builds the in-app OAuth2 link (--kind oauth); for a provider web login use --kind web --login-type ServiceApp with the login-authorization SuiteID")
	}
	if p.AgentID != "" {
		return nil, errorf("agent-id", "third-party links take no agentid: appid is the suite id (DOC 91120); drop --agent-id")
	}
	var w []Warning
	// 代开发 apps are apps of the authorized corp: their links carry that
	// corp's id and the app's agent id, like a self-built app (DOC 96441).
	if strings.HasPrefix(p.CorpID, "dk") {
		w = append(w, Warning{"suite_template", "suite id " + p.CorpID + " looks like a 代开发 template (dk…): a custom-developed app's link uses the authorized corp's corp id and the app's agent id, without --suite"})
	} else if !strings.HasPrefix(p.CorpID, "ww") && !strings.HasPrefix(p.CorpID, "wx") && !strings.HasPrefix(p.CorpID, "tj") {
		w = append(w, Warning{"suite_id", "suite id " + p.CorpID + " does not start with ww, wx or tj like WeCom's suite ids: is it the SuiteID from the app's detail page?"})
	}
	return w, nil
}
