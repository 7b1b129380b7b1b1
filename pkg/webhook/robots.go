package webhook

import (
	"context"
	"errors"
	"fmt"

	"github.com/wwcli/wwcli/pkg/config"
	"github.com/wwcli/wwcli/pkg/credstore"
)

// KeySources are the ways to give a robot key. There is no flag that
// takes the key itself: flags end up in shell history and process lists.
type KeySources struct {
	KeyFile string // --key-file
	Robot   string // --robot NAME (stored with `wwcli webhook add`)
	Env     string // the value of WWCLI_WEBHOOK_KEY
	// ReadFile reads --key-file with the strict secret rules.
	ReadFile func(path string) (string, error)
	// Stored returns a stored robot's key.
	Stored func(ctx context.Context, name string) (string, error)
	// Demo is the key to use when none is given (the sandbox's demo robot).
	Demo string
}

// NoKeyError: no key was given at all. Exit 4, as for missing credentials.
type NoKeyError struct{}

func (*NoKeyError) Error() string {
	return `no robot key: give it one of three ways
  1. environment: WWCLI_WEBHOOK_KEY=KEY (or the whole webhook URL), for CI
  2. a file:      wwcli webhook send --key-file robot.key --text ...
  3. stored:      wwcli webhook add NAME, then wwcli webhook send --robot NAME --text ...
or try it offline first: wwcli --sandbox webhook send --text hello`
}

// ExitCode: credentials missing: 4.
func (*NoKeyError) ExitCode() int { return 4 }

// ResolveKey picks the key: --key-file or --robot (not both), else
// WWCLI_WEBHOOK_KEY, else the demo key (sandbox only). It returns the key
// and a description of its source for messages.
func ResolveKey(ctx context.Context, src KeySources) (key, source string, err error) {
	if src.KeyFile != "" && src.Robot != "" {
		return "", "", usageError("give the key once: --key-file or --robot, not both")
	}
	switch {
	case src.KeyFile != "":
		raw, err := src.ReadFile(src.KeyFile)
		if err != nil {
			return "", "", err
		}
		key, err = ParseKey("--key-file "+src.KeyFile, raw)
		return key, "--key-file", err
	case src.Robot != "":
		raw, err := src.Stored(ctx, src.Robot)
		if err != nil {
			return "", "", err
		}
		return raw, fmt.Sprintf("robot %q", src.Robot), nil
	case src.Env != "":
		key, err = ParseKey(KeyEnv, src.Env)
		return key, KeyEnv, err
	case src.Demo != "":
		return src.Demo, "the sandbox's demo robot", nil
	}
	return "", "", &NoKeyError{}
}

// usageError is bad usage (exit 2).
type usageError string

func (e usageError) Error() string { return string(e) }
func (e usageError) ExitCode() int { return 2 }

// StoredKey reads robot name's key from the store its config entry names.
func StoredKey(ctx context.Context, cfg *config.Config, storeFor func(storage string) (credstore.Store, error), name string) (string, error) {
	r := cfg.Robots[name]
	if r == nil {
		hint := "store it with 'wwcli webhook add " + name + "'"
		if names := cfg.RobotNames(); len(names) > 0 {
			hint += fmt.Sprintf(" (stored: %v)", names)
		}
		return "", &credentialError{fmt.Sprintf("no robot %q: %s", name, hint)}
	}
	store, err := storeFor(r.SecretStorage)
	if err != nil {
		return "", &credentialError{err.Error()}
	}
	key, err := store.Get(ctx, config.RobotAccount(name))
	switch {
	case errors.Is(err, credstore.ErrNotFound):
		return "", &credentialError{fmt.Sprintf("robot %q has no key in %s: run 'wwcli webhook add %s' again", name, store.Location(), name)}
	case err != nil:
		return "", err // an UnavailableError exits 4 and lists the fixes
	}
	return key, nil
}

// credentialError exits 4.
type credentialError struct{ msg string }

func (e *credentialError) Error() string { return e.msg }
func (e *credentialError) ExitCode() int { return 4 }

// AddRobot stores key as robot name in store (of kind storage) and records
// the robot in cfg, which it saves. A robot stored before in another
// store is removed from there once the new copy is safe.
func AddRobot(ctx context.Context, cfg *config.Config, store credstore.Store, storage, name, key string,
	storeFor func(storage string) (credstore.Store, error)) error {
	if err := config.ValidRobotName(name); err != nil {
		return usageError(err.Error())
	}
	if err := store.Set(ctx, config.RobotAccount(name), key); err != nil {
		if credstore.IsUnavailable(err) {
			return err
		}
		return &credentialError{fmt.Sprintf("storing the key of robot %q: %v", name, err)}
	}
	prev := cfg.Robots[name]
	cfg.SetRobot(name, storage)
	if err := cfg.Save(); err != nil {
		return fmt.Errorf("saving %s: %w", cfg.Path(), err)
	}
	if prev != nil && prev.SecretStorage != storage {
		if old, err := storeFor(prev.SecretStorage); err == nil {
			_ = old.Delete(ctx, config.RobotAccount(name))
		}
	}
	return nil
}

// RemoveRobot deletes robot name's key and its config entry.
func RemoveRobot(ctx context.Context, cfg *config.Config, storeFor func(storage string) (credstore.Store, error), name string) error {
	r := cfg.Robots[name]
	if r == nil {
		return usageError(fmt.Sprintf("no robot %q (see 'wwcli webhook list')", name))
	}
	store, err := storeFor(r.SecretStorage)
	if err != nil {
		return err
	}
	if err := store.Delete(ctx, config.RobotAccount(name)); err != nil && !errors.Is(err, credstore.ErrNotFound) {
		return err
	}
	delete(cfg.Robots, name)
	if err := cfg.Save(); err != nil {
		return fmt.Errorf("saving %s: %w", cfg.Path(), err)
	}
	return nil
}
