// Package domainchecktest holds servers for testing domain checks.
package domainchecktest

import (
	"net"
	"sync"
)

// SilentListener listens on 127.0.0.1, accepts every connection and never
// sends a byte: the server that makes a check time out. stop closes the
// listener and every connection it accepted.
func SilentListener() (port string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	stop = func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, stop, nil
}
