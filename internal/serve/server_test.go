package serve

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startTestServer(t *testing.T) *Server {
	t.Helper()
	s, err := Listen(Config{Addr: "127.0.0.1:0", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if host != "" {
		req.Host = host
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServerServesItsHostsOnly(t *testing.T) {
	s := startTestServer(t)
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL())
	}
	term := make(chan os.Signal, 1)
	stopped := make(chan Stopped, 1)
	go func() { how, _ := s.Wait(context.Background(), Signals{Term: term}, nil); stopped <- how }()
	if code, body := get(t, s.URL()+"/", ""); code != 200 || body != "ok" {
		t.Fatalf("own host: %d %q", code, body)
	}
	if code, _ := get(t, s.URL()+"/", "rebind.attacker.example"); code != http.StatusForbidden {
		t.Fatalf("rebinding host: %d", code)
	}
	term <- syscall.SIGTERM
	if how := <-stopped; how != ByTerm {
		t.Fatalf("stopped %v", how)
	}
}

// The audit's N11: a reload that hangs (clients file replaced by a FIFO)
// must not keep SIGTERM from stopping the server.
func TestHungReloadNeverBlocksTerm(t *testing.T) {
	s := startTestServer(t)
	term, hup := make(chan os.Signal, 1), make(chan os.Signal, 1)
	hung, entered := make(chan struct{}), make(chan struct{}, 4)
	defer close(hung)
	reloads := 0
	stopped := make(chan Stopped, 1)
	go func() {
		how, _ := s.Wait(context.Background(), Signals{Term: term, Hup: hup}, func() {
			reloads++
			entered <- struct{}{}
			<-hung // an open(2) on a FIFO with no writer
		})
		stopped <- how
	}()
	hup <- syscall.SIGHUP
	<-entered
	hup <- syscall.SIGHUP // while the first hangs: not a second goroutine
	if code, _ := get(t, s.URL()+"/", ""); code != 200 {
		t.Fatalf("serving during a hung reload: %d", code)
	}
	term <- syscall.SIGTERM
	select {
	case how := <-stopped:
		if how != ByTerm {
			t.Fatalf("stopped %v", how)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not stop the server while a reload hung")
	}
	if reloads != 1 {
		t.Fatalf("%d reloads ran at once", reloads)
	}
}

func TestContextStopsAndShutdownIsBounded(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s, err := Listen(Config{Addr: "127.0.0.1:0", ShutdownTimeout: 50 * time.Millisecond,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	go func() { _, _ = http.Get(s.URL() + "/") }() // a request that never ends
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan Stopped, 1)
	go func() { how, _ := s.Wait(ctx, Signals{}, nil); stopped <- how }()
	cancel()
	select {
	case how := <-stopped:
		if how != ByContext {
			t.Fatalf("stopped %v", how)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown waited for a request that never ends")
	}
}
