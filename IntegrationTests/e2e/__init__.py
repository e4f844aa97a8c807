"""The end-to-end suite: simulator, exporter, Prometheus, Alertmanager (docs/e2e.md)."""
