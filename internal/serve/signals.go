package serve

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// Signals are what stop (Term: SIGTERM from systemd, docker, kill) or
// reload (Hup: SIGHUP) a server. Ctrl-C is not here: it cancels the
// command's context, and the command exits 130. Tests send their own.
type Signals struct {
	Term <-chan os.Signal
	Hup  <-chan os.Signal
}

// Notify delivers the process's SIGTERM, and SIGHUP when hup is set;
// stop releases them.
func Notify(hup bool) (Signals, func()) {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	sig := Signals{Term: term}
	var hupCh chan os.Signal
	if hup {
		hupCh = make(chan os.Signal, 1)
		signal.Notify(hupCh, syscall.SIGHUP)
		sig.Hup = hupCh
	}
	return sig, func() {
		signal.Stop(term)
		if hupCh != nil {
			signal.Stop(hupCh)
		}
	}
}

// Stopped says why Wait returned.
type Stopped int

const (
	// ByTerm: SIGTERM, a normal stop (exit 0).
	ByTerm Stopped = iota + 1
	// ByContext: the context ended (Ctrl-C: exit 130).
	ByContext
	// ByFailure: the server stopped serving by itself.
	ByFailure
)

// Wait serves until ctx ends, SIGTERM arrives or serving fails, then shuts
// the server down (bounded). A SIGHUP runs reload in its own goroutine, one
// at a time: a reload that hangs (a FIFO, a dead network file system) can
// never keep SIGTERM or Ctrl-C from stopping the server. The error is the
// serving failure (ByFailure) or the shutdown's.
func (s *Server) Wait(ctx context.Context, sig Signals, reload func()) (Stopped, error) {
	s.Start()
	var reloading atomic.Bool
	for {
		select {
		case <-ctx.Done():
			return ByContext, s.Shutdown()
		case <-sig.Term:
			return ByTerm, s.Shutdown()
		case err := <-s.served:
			return ByFailure, err
		case <-sig.Hup:
			if reload == nil || !reloading.CompareAndSwap(false, true) {
				continue // one reload at a time; the running one reads the newest file
			}
			go func() {
				defer reloading.Store(false)
				reload()
			}()
		}
	}
}
