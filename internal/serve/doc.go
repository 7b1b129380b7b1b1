// Package serve is the foundation of every long-lived server wwcli runs
// (sandbox, relay, sign serve, callback serve, and the AI-bot gateway):
// one listen policy (loopback unless the user opts out), one Host
// allow-list against DNS rebinding, one rule for state-changing requests a
// web page of another site could send (CSRF), request bodies read within a
// per-request cap and a server-wide memory budget, one bounded queue for
// every log and event stream so that a reader who stops reading never
// stalls an answer, and a signal loop that nothing (a reload, a log write)
// can block.
//
// It assumes a hostile network and a hostile neighbour: other local users
// and web pages in the user's browser can reach a loopback port.
package serve
