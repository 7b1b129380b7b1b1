package cmdutil

import "github.com/wwcli/wwcli/pkg/suiteticket"

// SuiteTickets is the store of the latest suite_ticket per suite, in the
// config dir (WWCLI_CONFIG_DIR): `callback serve --suite` and
// `suite ticket set` write it, the suite token fetch reads it.
func (f *Factory) SuiteTickets() (*suiteticket.Store, error) {
	dir, err := f.ConfigDir()
	if err != nil {
		return nil, err
	}
	return suiteticket.New(dir), nil
}
