package loadrun

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Phase is what Load measured: the latencies of the answered requests,
// shortest first, and what went wrong with the others.
type Phase struct {
	N, Errors int
	Canceled  int // failed because ctx ended (the end of a timed phase)
	Elapsed   time.Duration
	Latencies []time.Duration
	Status    map[int]int // answers by HTTP status
}

// RPS is answered requests per second.
func (p Phase) RPS() float64 { return float64(p.N) / p.Elapsed.Seconds() }

// Pct is the p-th percentile latency (100 = max).
func (p Phase) Pct(pct int) time.Duration { return Pct(p.Latencies, pct) }

// Load sends n requests built by build from conns workers through client
// (sized for conns connections) until ctx ends. An answer is an error
// unless ok accepts its status and body.
func Load(ctx context.Context, n, conns int, build func(i int) (*http.Request, error), client *http.Client, ok func(status int, body []byte) bool) Phase {
	lat := NewLatencies(conns)
	status := make([]map[int]int, conns) // per worker, like lat
	var errs, canceled atomic.Int64
	elapsed := Spread(ctx, conns, n, func(w, i int) {
		req, err := build(i)
		if err != nil {
			errs.Add(1)
			return
		}
		t := time.Now()
		resp, err := client.Do(req.WithContext(ctx))
		if err != nil {
			errs.Add(1)
			if ctx.Err() != nil {
				canceled.Add(1)
			}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lat.Add(w, time.Since(t))
		if status[w] == nil {
			status[w] = map[int]int{}
		}
		status[w][resp.StatusCode]++
		if !ok(resp.StatusCode, body) {
			errs.Add(1)
		}
	})
	p := Phase{Elapsed: elapsed, Latencies: lat.Sorted(), Status: map[int]int{}, Errors: int(errs.Load()), Canceled: int(canceled.Load())}
	p.N = len(p.Latencies)
	for _, m := range status {
		for k, v := range m {
			p.Status[k] += v
		}
	}
	return p
}
