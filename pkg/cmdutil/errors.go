// Package cmdutil holds what every command shares: the Factory (injected
// dependencies), the exit codes and the error types that carry them.
// It does not import cobra; only cmd/ does.
package cmdutil

import (
	"errors"
	"fmt"

	"github.com/wwcli/wwcli/pkg/config"
)

// Exit codes, as fixed in docs/architecture.md and listed by `wwcli help exit-codes`.
const (
	ExitOK          = 0   // success
	ExitFailure     = 1   // network, I/O, or a check that did not pass
	ExitUsage       = 2   // bad flags, arguments or input
	ExitAPI         = 3   // WeCom answered errcode != 0 (after retries)
	ExitCredentials = 4   // credentials missing or keyring unavailable
	ExitInterrupted = 130 // Ctrl-C
)

// ExitError is an error that decides the process exit code. Main prints
// its message (unless it is empty) and exits with Code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Errorf returns an error that exits with code and prints the message.
func Errorf(code int, format string, a ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, a...)}
}

// WithCode wraps err so it exits with code.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// Silent exits with code without printing anything more: the command has
// already explained itself on stderr.
func Silent(code int) error { return &ExitError{Code: code} }

// FlagError is bad usage: Main prints it with a pointer to --help, exit 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a usage error. Say what is wrong and how to fix it.
func FlagErrorf(format string, a ...any) error {
	return &FlagError{Err: fmt.Errorf(format, a...)}
}

// ExitCode maps any error to the exit code Main should use.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	// A config file that cannot be read, parsed or saved is an I/O
	// failure on every command, whatever path met it.
	var ce *config.Error
	if errors.As(err, &ce) {
		return ExitFailure
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return ExitUsage
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) {
		return coder.ExitCode()
	}
	return ExitFailure
}
