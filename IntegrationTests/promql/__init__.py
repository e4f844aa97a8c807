"""Where the project's PromQL lives (rules, dashboards) and what it reads."""
