// Package session holds what a token session hands out: Result, a token or
// ticket with its lifetime. It is a service-level package: the sessions of
// pkg/cmdutil return it, and services that take a session (pkg/doctor) and
// the commands import it. It imports nothing but the standard library.
package session

import "time"

// Result is a token or ticket with its lifetime.
type Result struct {
	Value     string
	ExpiresIn int // seconds left
	ExpiresAt time.Time
	Cached    bool
}
