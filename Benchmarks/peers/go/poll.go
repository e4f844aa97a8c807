package main

import (
	"math"
	"sort"
	"strconv"
	"sync"
	"time"
)

const absent = math.MinInt64

// record is one distinct subtask of a poll, as much of it as the aggregation needs.
type record struct {
	status int // absent when the record had none
	create int64
	start  int64
	end    int64
	checks []int64
}

// trackedEntry is what the de-duplication state remembers of one DetailTaskId.
type trackedEntry struct {
	terminalSeen bool
	reasons      uint8
	createdSec   int64
}

var statusLabels = map[int]string{0: "not_started", 1: "running", 2: "succeeded", 3: "timed_out", 4: "failed"}
var taskStatusLabels = map[int]string{0: "not_started", 1: "running", 2: "succeeded", 3: "timed_out"}

var invalidReasons = []string{"end_before_start", "missing_times", "unknown_status", "missing_status", "missing_id", "duplicate"}

// peer polls one account and keeps the state behind its counters.
type peer struct {
	account     string
	client      *client
	lookback    time.Duration
	batchSize   int
	concurrency int
	metrics     *metricSet
	state       map[string]trackedEntry
	checkNames  map[int64]string
	knownChecks map[int64]bool
	polls       int
}

func statusLabel(code int) string {
	if label, ok := statusLabels[code]; ok {
		return label
	}
	return "unknown"
}

func rank(status int) int {
	switch status {
	case 0:
		return 1
	case 1:
		return 2
	case 2, 3, 4:
		return 3
	}
	return 0
}

func value(p *int64) int64 {
	if p == nil {
		return absent
	}
	return *p
}

// poll reads every task of the window and every subtask of those tasks, then commits.
func (p *peer) poll() error {
	started := time.Now()
	nowMs := started.UnixMilli()
	startMs := nowMs - p.lookback.Milliseconds()
	p.metrics.polls.WithLabelValues(p.account).Inc()
	tasks, err := p.client.listTasks(startMs)
	p.countCall("ListOperationProcess", err)
	if err != nil {
		return p.fail(started, err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, task := range tasks {
		if task.TaskId != "" && !seen[task.TaskId] {
			seen[task.TaskId] = true
			ids = append(ids, task.TaskId)
		}
	}

	var mu sync.Mutex
	pending := map[string]record{}
	var withoutID []record
	duplicates := 0
	names := map[int64]string{}
	visit := func(details []processDetail) {
		mu.Lock()
		defer mu.Unlock()
		for _, d := range details {
			created := value(d.CreateTime)
			if created != absent && (created < startMs || created > nowMs) {
				continue
			}
			r := record{status: absent, create: created, start: value(d.StartTime), end: value(d.EndTime)}
			if d.StatusCode != nil {
				r.status = *d.StatusCode
			}
			for _, check := range d.Checks {
				r.checks = append(r.checks, check.CheckId)
				if check.CheckShowName != "" {
					names[check.CheckId] = check.CheckShowName
				}
			}
			if d.DetailTaskId == "" {
				withoutID = append(withoutID, r)
				continue
			}
			if old, ok := pending[d.DetailTaskId]; ok {
				duplicates++
				if rank(r.status) < rank(old.status) {
					continue
				}
			}
			pending[d.DetailTaskId] = r
		}
	}

	batches := make(chan []string)
	errs := make(chan error, p.concurrency)
	var wg sync.WaitGroup
	for w := 0; w < p.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				err := p.client.listSubtasks(batch, visit)
				p.countCall("ListOperationProcessDetail", err)
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var failure error
feed:
	for i := 0; i < len(ids); i += p.batchSize {
		end := i + p.batchSize
		if end > len(ids) {
			end = len(ids)
		}
		select {
		case batches <- ids[i:end]:
		case failure = <-errs:
			break feed
		}
	}
	close(batches)
	wg.Wait()
	if failure == nil {
		select {
		case failure = <-errs:
		default:
		}
	}
	if failure != nil {
		return p.fail(started, failure)
	}
	p.commit(pending, withoutID, duplicates, names, tasks, nowMs)
	elapsed := time.Since(started).Seconds()
	p.metrics.up.WithLabelValues(p.account).Set(1)
	p.metrics.pollDuration.WithLabelValues(p.account).Set(elapsed)
	p.metrics.lastSuccess.WithLabelValues(p.account).Set(float64(time.Now().UnixMilli()) / 1000)
	logf("poll complete account=%s duration_seconds=%.3f tasks=%d subtasks=%d tracked=%d", p.account, elapsed, len(ids), len(pending)+len(withoutID), len(p.state))
	return nil
}

func (p *peer) fail(started time.Time, err error) error {
	p.metrics.up.WithLabelValues(p.account).Set(0)
	p.metrics.pollFailures.WithLabelValues(p.account).Inc()
	p.metrics.pollDuration.WithLabelValues(p.account).Set(time.Since(started).Seconds())
	logf("poll incomplete account=%s error=%q", p.account, err.Error())
	return err
}

// countCall counts a listing's calls by outcome (one sample per listing: the client
// retries inside it).
func (p *peer) countCall(action string, err error) {
	code := "OK"
	if err != nil {
		code = "error"
	}
	p.metrics.apiRequests.WithLabelValues(p.account, action, code).Inc()
}

// commit folds a complete poll into the state and the metrics: window gauges, then each
// DetailTaskId counted once when first seen terminal (the first poll is a baseline).
func (p *peer) commit(pending map[string]record, withoutID []record, duplicates int, names map[int64]string, tasks []operationProcess, nowMs int64) {
	m := p.metrics
	baseline := p.polls == 0
	p.polls++
	cutoff := (nowMs - p.lookback.Milliseconds() - time.Hour.Milliseconds()) / 1000
	for id, entry := range p.state {
		if entry.createdSec < cutoff {
			delete(p.state, id)
		}
	}
	for id, name := range names {
		if old, ok := p.checkNames[id]; ok && old != name {
			m.checkInfo.DeleteLabelValues(p.account, strconv.FormatInt(id, 10), old)
		}
		p.checkNames[id] = name
		m.checkInfo.WithLabelValues(p.account, strconv.FormatInt(id, 10), name).Set(1)
	}
	if duplicates > 0 {
		m.invalid.WithLabelValues(p.account, "duplicate").Add(float64(duplicates))
	}

	byStatus := map[int]int{}
	oldestRunning, oldestPending := int64(math.MaxInt64), int64(math.MaxInt64)
	count := func(r record) {
		if r.status == absent {
			return
		}
		byStatus[r.status]++
		if r.status == 1 && r.start > 0 && r.start < oldestRunning {
			oldestRunning = r.start
		}
		if r.status == 0 && r.create > 0 && r.create < oldestPending {
			oldestPending = r.create
		}
	}
	for id, r := range pending {
		count(r)
		p.noteChecks(r)
		entry, known := p.state[id]
		if !known {
			created := r.create
			if created == absent {
				created = nowMs
			}
			entry.createdSec = created / 1000
		}
		p.countReasons(r, &entry, 0)
		if r.status >= 2 && r.status <= 4 && !entry.terminalSeen {
			entry.terminalSeen = true
			if !baseline {
				p.countCompletion(r)
			}
		}
		p.state[id] = entry
	}
	for _, r := range withoutID {
		count(r)
		p.noteChecks(r)
		var entry trackedEntry
		p.countReasons(r, &entry, 1<<4)
	}

	for code, label := range statusLabels {
		m.subtasks.WithLabelValues(p.account, strconv.Itoa(code), label).Set(float64(byStatus[code]))
	}
	for code, n := range byStatus {
		if _, known := statusLabels[code]; !known {
			m.subtasks.WithLabelValues(p.account, strconv.Itoa(code), "unknown").Set(float64(n))
		}
	}
	if oldestRunning != math.MaxInt64 {
		m.runningOldest.WithLabelValues(p.account).Set(float64(oldestRunning) / 1000)
	} else {
		m.runningOldest.DeleteLabelValues(p.account)
	}
	if oldestPending != math.MaxInt64 {
		m.pendingOldest.WithLabelValues(p.account).Set(float64(oldestPending) / 1000)
	} else {
		m.pendingOldest.DeleteLabelValues(p.account)
	}
	taskCounts := map[int]int{}
	seen := map[string]bool{}
	for _, task := range tasks {
		if task.TaskId != "" && seen[task.TaskId] {
			continue
		}
		seen[task.TaskId] = true
		if task.StatusCode != nil {
			taskCounts[*task.StatusCode]++
		}
	}
	for code, label := range taskStatusLabels {
		m.tasks.WithLabelValues(p.account, strconv.Itoa(code), label).Set(float64(taskCounts[code]))
	}
	m.tracked.WithLabelValues(p.account).Set(float64(len(p.state)))
}

// countReasons counts each odd trait of a subtask once (extra: reason bits always set).
func (p *peer) countReasons(r record, entry *trackedEntry, extra uint8) {
	var bits uint8 = extra
	switch {
	case r.status == absent:
		bits |= 1 << 3
	case r.status < 0 || r.status > 4:
		bits |= 1 << 2
	case r.status >= 2:
		if r.start == absent || r.end == absent || r.start <= 0 || r.end <= 0 {
			bits |= 1 << 1
		} else if r.end < r.start {
			bits |= 1 << 0
		}
	}
	for i, reason := range invalidReasons[:5] {
		if bits&(1<<i) != 0 && entry.reasons&(1<<i) == 0 {
			entry.reasons |= 1 << i
			p.metrics.invalid.WithLabelValues(p.account, reason).Inc()
		}
	}
}

// noteChecks creates a check's three counter series at 0 the first time it is seen.
func (p *peer) noteChecks(r record) {
	for _, id := range r.checks {
		if p.knownChecks[id] {
			continue
		}
		p.knownChecks[id] = true
		text := strconv.FormatInt(id, 10)
		p.metrics.checkCompletions.WithLabelValues(p.account, text)
		p.metrics.checkFailures.WithLabelValues(p.account, text, "failed")
		p.metrics.checkFailures.WithLabelValues(p.account, text, "timed_out")
	}
}

func (p *peer) countCompletion(r record) {
	m := p.metrics
	label := statusLabel(r.status)
	m.completed.WithLabelValues(p.account, strconv.Itoa(r.status), label).Inc()
	if r.start > 0 && r.end > 0 && r.end >= r.start {
		m.duration.WithLabelValues(p.account, label).Observe(float64(r.end-r.start) / 1000)
	}
	checks := append([]int64(nil), r.checks...)
	sort.Slice(checks, func(i, j int) bool { return checks[i] < checks[j] })
	for i, id := range checks {
		if i > 0 && checks[i-1] == id {
			continue
		}
		text := strconv.FormatInt(id, 10)
		m.checkCompletions.WithLabelValues(p.account, text).Inc()
		if r.status == 4 {
			m.checkFailures.WithLabelValues(p.account, text, "failed").Inc()
		} else if r.status == 3 {
			m.checkFailures.WithLabelValues(p.account, text, "timed_out").Inc()
		}
	}
}
