package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wwcli/wwcli/bench/internal/loadrun"
	"github.com/wwcli/wwcli/pkg/sandbox"
)

// unread runs `BIN sandbox` as its own process with stdout and stderr
// going to pipes nobody reads (or, with drain, pipes read to the end) (a
// paused terminal, docker's blocking log mode: audit N9), and loads gettoken over conns connections, perConn
// requests each. A request with no answer within stallAfter is a stall;
// its connection stops there, so a sandbox that stalls ends the run
// quickly. The process's peak RSS comes from the kernel (VmHWM).
func unread(bins []string, conns, perConn int, stallAfter, bound time.Duration, drain bool) int {
	streams := "stdout and stderr never read"
	if drain {
		streams = "stdout and stderr read (the control run)"
	}
	fmt.Printf("%d connections x %d gettoken, %s, a stall = no answer within %s\n\n", conns, perConn, streams, stallAfter)
	fmt.Println("| binary | answered | stalls | first stall at | p50 | p99 | max | RSS before | peak RSS | SIGTERM |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	failed := false
	for _, bin := range bins {
		r, err := unreadRun(bin, conns, perConn, stallAfter, bound, drain)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sandbox-load: %s: %v\n", bin, err)
			return 1
		}
		first := "-"
		if r.firstStall > 0 {
			first = "request " + strconv.Itoa(r.firstStall)
		}
		fmt.Printf("| %s | %d | %d | %s | %s | %s | %s | %.1f MB | %.1f MB | %s |\n", filepath.Base(bin), r.answered, r.stalls, first,
			ms(r.res.Pct(50)), ms(r.res.Pct(99)), ms(r.res.Pct(100)), float64(r.rssBefore)/1024, float64(r.peakRSS)/1024, r.stopped)
		failed = failed || r.stalls > 0 || r.peakRSS > 100*1024
	}
	if failed {
		return 1
	}
	return 0
}

type unreadResult struct {
	res                loadrun.Phase
	answered, stalls   int
	firstStall         int   // the answered count when the first stall began (0: none)
	rssBefore, peakRSS int64 // KiB
	stopped            string
}

func unreadRun(bin string, conns, perConn int, stallAfter, bound time.Duration, drain bool) (unreadResult, error) {
	var out unreadResult
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	addr, err := loadrun.FreeAddr()
	if err != nil {
		return out, err
	}
	home, err := os.MkdirTemp("", "sandbox-load-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(home)
	cmd := exec.Command(bin, "sandbox", "--addr", addr)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "WWCLI_CONFIG_DIR=" + filepath.Join(home, "config"),
		"WWCLI_CACHE_DIR=" + filepath.Join(home, "cache"), "WWCLI_KEYRING=off", "NO_COLOR=1"}
	srv, err := loadrun.Start(cmd, "sandbox")
	if err != nil {
		return out, err
	}
	defer srv.Close()
	if drain { // the control run: someone reads
		srv.Drain()
	}
	if err := srv.WaitListening(ctx, addr); err != nil {
		return out, err
	}
	out.rssBefore = loadrun.StatusKB(srv.PID(), "VmRSS")

	base := "http://" + addr
	u := base + "/cgi-bin/gettoken?corpid=" + sandbox.DemoCorpID + "&corpsecret=" + sandbox.DemoAppSecret
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: stallAfter}
	var answered, stalls, firstStall atomic.Int64
	lat := loadrun.NewLatencies(conns)
	out.res.Elapsed = loadrun.Each(ctx, conns, perConn, func(w, _ int) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			if loadrun.IsStall(err) {
				stalls.Add(1)
				firstStall.CompareAndSwap(0, answered.Load()+1)
			}
			return false // a stalled or broken connection stops here
		}
		resp.Body.Close()
		lat.Add(w, time.Since(t))
		answered.Add(1)
		return true
	})
	out.answered, out.stalls, out.firstStall = int(answered.Load()), int(stalls.Load()), int(firstStall.Load())
	out.res.Latencies = lat.Sorted()
	out.res.N = len(out.res.Latencies)
	out.peakRSS = loadrun.StatusKB(srv.PID(), "VmHWM")

	tr.CloseIdleConnections()
	if st := srv.Terminate(5 * time.Second); st.Exited {
		out.stopped = fmt.Sprintf("exit %d in %.2f s", st.Code, st.Took.Seconds())
	} else {
		out.stopped = "still running 5 s later (killed)"
	}
	return out, nil
}
