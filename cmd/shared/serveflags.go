package shared

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/wwcli/wwcli/internal/serve"
	"github.com/wwcli/wwcli/pkg/cmdutil"
)

// ServeFlags are the listen flags every server shares.
type ServeFlags struct {
	Addr           string
	InsecureListen bool
	AllowHosts     []string
}

// AddServeFlags adds --addr (with its default), --insecure-listen and
// --allow-host. publicRisk says what others could do if the server
// listened where they reach it.
func AddServeFlags(cmd *cobra.Command, f *ServeFlags, defaultAddr, publicRisk string) {
	fl := cmd.Flags()
	fl.StringVar(&f.Addr, "addr", defaultAddr, "address to listen on (port 0 picks a free port)")
	fl.BoolVar(&f.InsecureListen, "insecure-listen", false, "allow an --addr other machines reach ("+publicRisk+")")
	fl.StringArrayVar(&f.AllowHosts, "allow-host", nil, "also answer requests for Host `NAME` (a name of this machine; *.example.com for subdomains)")
}

// ServeError gives a server's start-up error its exit code: a bad --addr,
// a non-loopback address without --insecure-listen or a bad --allow-host
// is a usage error (2); a failed listen is a failure (1).
func ServeError(err error) error {
	if err == nil {
		return nil
	}
	var addrErr *serve.AddrError
	var listenErr *serve.ListenError
	switch {
	case errors.As(err, &addrErr), errors.Is(err, serve.ErrNotLoopback), errors.Is(err, serve.ErrBadHost):
		return cmdutil.FlagErrorf("%v", err)
	case errors.As(err, &listenErr):
		return cmdutil.Errorf(cmdutil.ExitFailure, "%v", err)
	}
	return err
}
