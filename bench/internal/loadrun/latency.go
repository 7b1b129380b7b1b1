package loadrun

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Spread runs conns workers that take request numbers 0, 1, ... n-1 in
// turn until all are taken or ctx ends, and returns how long that took.
// A worker sends one request at a time, so workers with a connection each
// keep conns connections busy at once.
func Spread(ctx context.Context, conns, n int, send func(worker, i int)) time.Duration {
	var next atomic.Int64
	return workers(conns, func(w int) {
		for ctx.Err() == nil {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			send(w, i)
		}
	})
}

// Each runs conns workers that send per requests each, one at a time,
// until ctx ends, and returns how long that took. send returning false
// stops its worker: a stalled connection stops there, so a server that
// stalls ends the run quickly.
func Each(ctx context.Context, conns, per int, send func(worker, i int) bool) time.Duration {
	return workers(conns, func(w int) {
		for i := range per {
			if ctx.Err() != nil || !send(w, i) {
				return
			}
		}
	})
}

func workers(conns int, work func(w int)) time.Duration {
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(w)
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// Latencies holds a slice per worker, so that workers record without a
// lock (a lock would be part of what is measured).
type Latencies [][]time.Duration

// NewLatencies has room for conns workers.
func NewLatencies(conns int) Latencies { return make(Latencies, conns) }

// Add records one of worker w's latencies.
func (l Latencies) Add(w int, d time.Duration) { l[w] = append(l[w], d) }

// Sorted is all the latencies, shortest first, for Pct and Quantile.
func (l Latencies) Sorted() []time.Duration {
	all := slices.Concat(l...)
	slices.Sort(all)
	return all
}

// Pct is the p-th percentile of sorted by nearest rank (100 = the max);
// 0 when there are none.
func Pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(i, len(sorted))-1)]
}

// Quantile is the latency at index q·n of sorted (q = 1: the max); 0
// when there are none. It is at most one rank above Pct: sign-serve,
// callback-blocked and suite-callback have always reported it, so their
// tables stay comparable with earlier runs.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
