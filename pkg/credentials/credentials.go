// Package credentials resolves the credentials of a WeCom app, a suite and
// the provider, and the callback secrets, as pure functions of their
// Sources (a getenv func, the config file, the secret stores), and holds
// the results as values: what was found (corp id, secret, suite) and where
// it came from, for messages. It prints nothing and knows no exit codes:
// an *Error says whether the input was bad or the credentials are missing.
// It is a service-level package: pkg/cmdutil's Factory calls it, services
// that take resolved credentials (pkg/doctor) and the commands import it.
package credentials

import "strings"

// Credentials are a resolved corp id + app secret and where they came from.
type Credentials struct {
	CorpID  string
	Secret  string
	AgentID string
	Source  string // for humans: "arguments", "WWCLI_SECRET", "profile \"default\" (OS keyring)"
	Profile string // set when the secret came from a profile
	BaseURL string // the profile's base URL, if any
	// Suite is set for a corp that authorized a third-party suite
	// (--auth-corp): Secret is then the corp's permanent code and the
	// access token comes from get_corp_token with the suite's token.
	Suite *SuiteCredentials
}

// IsAuthCorp reports whether the credentials are an authorized corp's
// through a suite (--auth-corp with a third-party suite).
func (c Credentials) IsAuthCorp() bool { return c.Suite != nil }

// SuiteCredentials are a suite id and its secret.
type SuiteCredentials struct {
	SuiteID string
	Secret  string
	Source  string // for humans: "WWCLI_SUITE_SECRET", "profile \"default\" (keyring)", "sandbox demo suite"
	Profile string
	BaseURL string // the profile's base URL, if any
}

// IsTemplate reports whether the suite is a 代开发 template (dk…): its
// permanent code is then the corp app's secret for plain gettoken
// (DOC 97164), not a key to get_corp_token.
func (s SuiteCredentials) IsTemplate() bool { return strings.HasPrefix(s.SuiteID, "dk") }
