package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const namespace = "alibabacloud_sas"

// metricSet holds the peer's client_golang collectors, named as the exporter's families.
type metricSet struct {
	registry         *prometheus.Registry
	subtasks         *prometheus.GaugeVec
	completed        *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	checkCompletions *prometheus.CounterVec
	checkFailures    *prometheus.CounterVec
	checkInfo        *prometheus.GaugeVec
	runningOldest    *prometheus.GaugeVec
	pendingOldest    *prometheus.GaugeVec
	tasks            *prometheus.GaugeVec
	invalid          *prometheus.CounterVec
	tracked          *prometheus.GaugeVec
	up               *prometheus.GaugeVec
	lastSuccess      *prometheus.GaugeVec
	pollDuration     *prometheus.GaugeVec
	polls            *prometheus.CounterVec
	pollFailures     *prometheus.CounterVec
	apiRequests      *prometheus.CounterVec
	apiDuration      *prometheus.HistogramVec
}

var durationBuckets = []float64{1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600}

func newMetricSet() *metricSet {
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	m := &metricSet{
		registry:         prometheus.NewRegistry(),
		subtasks:         gauge("subtasks", "Operation subtasks in the poll window by current status.", "account", "status_code", "status"),
		completed:        counter("subtasks_completed_total", "Operation subtasks observed reaching a terminal status.", "account", "status_code", "status"),
		checkCompletions: counter("check_completions_total", "Completed operation subtasks that carried this check item.", "account", "check_id"),
		checkFailures:    counter("check_failures_total", "Completed subtasks of this check item that failed or timed out.", "account", "check_id", "reason"),
		checkInfo:        gauge("check_info", "Display name of a check item.", "account", "check_id", "check_name"),
		runningOldest:    gauge("running_subtask_oldest_start_timestamp_seconds", "Start time of the oldest running subtask.", "account"),
		pendingOldest:    gauge("pending_subtask_oldest_create_timestamp_seconds", "Creation time of the oldest subtask not started.", "account"),
		tasks:            gauge("tasks", "Parent operation tasks in the window by status.", "account", "status_code", "status"),
		invalid:          counter("invalid_subtasks_total", "Subtask records that could not be used as they are.", "account", "reason"),
		tracked:          gauge("tracked_subtasks", "Size of the de-duplication state.", "account"),
		up:               gauge("up", "1 when the last poll was complete.", "account"),
		lastSuccess:      gauge("last_poll_success_timestamp_seconds", "End time of the last complete poll.", "account"),
		pollDuration:     gauge("poll_duration_seconds", "Duration of the last poll.", "account"),
		polls:            counter("polls_total", "Polls run.", "account"),
		pollFailures:     counter("poll_failures_total", "Polls that were not complete.", "account"),
		apiRequests:      counter("api_requests_total", "API calls by action and outcome.", "account", "action", "code"),
	}
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "subtask_duration_seconds", Help: "Run time of completed subtasks.", Buckets: durationBuckets,
	}, []string{"account", "status"})
	m.apiDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "api_request_duration_seconds", Help: "API call latency.", Buckets: prometheus.DefBuckets,
	}, []string{"account", "action"})
	m.registry.MustRegister(
		m.subtasks, m.completed, m.duration, m.checkCompletions, m.checkFailures, m.checkInfo, m.runningOldest,
		m.pendingOldest, m.tasks, m.invalid, m.tracked, m.up, m.lastSuccess, m.pollDuration, m.polls, m.pollFailures,
		m.apiRequests, m.apiDuration, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}
