#!/usr/bin/env bash
# Container HEALTHCHECK for sas-exporter: GET /-/healthy on the loopback port and succeed
# only on HTTP 200. Plain bash over /dev/tcp, so the image needs no curl or wget.
# SAS_HEALTHCHECK_PORT (default 9793) and SAS_HEALTHCHECK_PATH (default /-/healthy)
# override the target.
set -euo pipefail

port="${SAS_HEALTHCHECK_PORT:-9793}"
path="${SAS_HEALTHCHECK_PATH:-/-/healthy}"

# HTTP/1.1 with Connection: close; read only the status line, with a timeout, so a
# server that keeps the connection open cannot hang the probe.
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: sas-exporter-healthcheck\r\nConnection: close\r\n\r\n' \
  "${path}" "${port}" >&3
status_line=""
IFS= read -r -t 4 status_line <&3 || true
exec 3<&-
status_line="${status_line%$'\r'}"

case "${status_line}" in
  "HTTP/1."?" 200" | "HTTP/1."?" 200 "*) exit 0 ;;
  *)
    printf 'unhealthy: %s\n' "${status_line:-no response}" >&2
    exit 1
    ;;
esac
