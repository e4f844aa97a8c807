"""Checks of the Grafana dashboards (grafana/dashboards)."""
