package credentials

import (
	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
)

// Sources are where credentials may come from. The resolvers are pure
// functions of them: the environment through Getenv, the config file
// through Config (read when a resolver first needs it, so a broken config
// file only matters to the paths that reach it) and the secret stores
// through Store. Nothing here reads the process environment itself.
type Sources struct {
	Getenv  func(string) string
	Profile string // the selected profile's name
	// ProfileChosen: the profile was named (--profile, WWCLI_PROFILE), so
	// a missing one is an error of its own.
	ProfileChosen bool
	// Config loads the config file; it is called each time a profile is
	// needed.
	Config func() (*config.Config, error)
	// Store returns the secret store for a profile's storage kind.
	Store func(storage string) (credstore.Store, error)
	// Warnf reports what a secret file's check found (others can read it).
	Warnf func(format string, a ...any)
	// Sandbox is --sandbox: the sandbox's demo world instead of profiles.
	Sandbox bool
}

// profile returns the selected profile, or nil when it does not exist.
func (s Sources) profile() (*config.Profile, error) {
	cfg, err := s.Config()
	if err != nil {
		return nil, err
	}
	return cfg.Profiles[s.Profile], nil
}
