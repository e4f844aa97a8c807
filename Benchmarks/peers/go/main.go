// Command sas-peer is a Go exporter doing the work of one sas-exporter poll, written
// for the side-by-side benchmark (scripts/bench, docs/benchmarks.md): it discovers the
// tasks of a window with ListOperationProcess, reads every page of
// ListOperationProcessDetail for them in batches of task ids (V3-signed, decoded with
// encoding/json), de-duplicates subtasks by DetailTaskId, aggregates them into
// client_golang metrics after each complete poll, and serves /metrics with promhttp.
//
// It reads every task each poll (no incremental polling); its first poll is a baseline
// as the exporter's is.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, time.Now().UTC().Format(time.RFC3339Nano)+" "+format+"\n", args...)
}

func main() {
	listen := flag.String("web.listen-address", "127.0.0.1:9794", "host:port to serve /metrics on")
	endpoint := flag.String("endpoint", "http://127.0.0.1:18080", "Security Center endpoint (the simulator)")
	keyID := flag.String("access-key-id", "testid", "AccessKey id")
	secret := flag.String("access-key-secret", "testsecret", "AccessKey secret")
	account := flag.String("account", "bench", "the account label")
	interval := flag.Duration("interval", time.Minute, "time between polls")
	firstDelay := flag.Duration("first-delay", 0, "wait before the first poll")
	lookback := flag.Duration("lookback", 24*time.Hour, "poll window")
	pageSize := flag.Int("page-size", 100, "PageSize")
	batchSize := flag.Int("task-batch-size", 10, "task ids per ListOperationProcessDetail call")
	concurrency := flag.Int("concurrency", 4, "batches read at once")
	once := flag.Bool("once", false, "poll once and exit (the benchmark warms the simulator's caches with it)")
	flag.Parse()

	base, err := url.Parse(*endpoint)
	if err != nil {
		logf("bad -endpoint: %v", err)
		os.Exit(2)
	}
	metrics := newMetricSet()
	p := &peer{
		account: *account,
		client: &client{
			endpoint: base, keyID: *keyID, secret: *secret, pageSize: *pageSize,
			http: &http.Client{
				Timeout:   30 * time.Second,
				Transport: &http.Transport{MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency},
			},
		},
		lookback: *lookback, batchSize: *batchSize, concurrency: *concurrency, metrics: metrics,
		state: map[string]trackedEntry{}, checkNames: map[int64]string{}, knownChecks: map[int64]bool{},
	}
	for code, label := range statusLabels {
		if code >= 2 {
			metrics.completed.WithLabelValues(*account, strconv.Itoa(code), label)
			metrics.duration.WithLabelValues(*account, label)
		}
	}
	for _, reason := range invalidReasons {
		metrics.invalid.WithLabelValues(*account, reason)
	}

	if *once {
		if err := p.poll(); err != nil {
			os.Exit(1)
		}
		return
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		logf("listen: %v", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "Healthy") })
	go func() {
		logf("listening on %s", listener.Addr())
		if err := http.Serve(listener, mux); err != nil {
			logf("serve: %v", err)
			os.Exit(1)
		}
	}()

	time.Sleep(*firstDelay)
	next := time.Now()
	for {
		_ = p.poll()
		next = next.Add(*interval)
		for !next.After(time.Now()) {
			next = next.Add(*interval)
		}
		time.Sleep(time.Until(next))
	}
}
