"""Checks of the alerting and recording rules (deploy/prometheus, rendered by deploy/mixin)."""
