// Package msgspec knows what WeCom accepts as message content — size
// limits, UTF-8 truncation, file formats, news articles, template cards —
// and checks it before anything is sent, so bad input fails fast with
// exit 2 instead of an errcode. Robot messages (pkg/webhook) and app
// messages (pkg/message) share it. It reads files but never the network.
package msgspec

import "fmt"

// InputError is bad input found before any request: exit 2.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// ExitCode: bad input exits 2 (docs/architecture.md).
func (e *InputError) ExitCode() int { return 2 }

// Errorf builds an InputError. Say what is wrong and how to fix it.
func Errorf(format string, a ...any) error { return &InputError{Msg: fmt.Sprintf(format, a...)} }
