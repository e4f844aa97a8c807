"""Process, HTTP and Prometheus plumbing for the end-to-end suite (standard library only).

Every process is started in its own session (its own process group) and stopped by
group id, whatever happens: `Stack.close()` runs from `atexit` and from the SIGTERM /
SIGINT / SIGHUP handlers the runner installs. Only loopback addresses are used.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


def _die_with_parent() -> None:
    """In the child: SIGKILL when the harness dies, even if it is killed with SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Stack:
    """The processes of one run, stopped in reverse start order."""

    procs: list[Proc] = field(default_factory=list)

    def start(self, name: str, argv: list[str], log: Path, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> Proc:
        out = open(log, "ab")
        try:
            popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=cwd, env=env, start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            out.close()
        proc = Proc(name, argv, log, popen)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc, timeout: float = 10.0) -> None:
        if proc.popen.returncode is None:
            try:
                os.killpg(proc.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.popen.wait(5)
        # Leftover children of the group (none expected) get SIGKILL too.
        try:
            os.killpg(proc.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if proc in self.procs:
            self.procs.remove(proc)

    def kill(self, proc: Proc) -> None:
        """SIGKILL to the process group (no chance to clean up), then reaps it."""
        try:
            os.killpg(proc.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.popen.wait(10)
        if proc in self.procs:
            self.procs.remove(proc)

    def close(self) -> None:
        for proc in reversed(list(self.procs)):
            try:
                self.stop(proc)
            except Exception as err:  # keep stopping the others
                print(f"warning: stopping {proc.name} (pid {proc.popen.pid}): {err}")


def wait_for(what: str, probe: Callable[[], Any], timeout: float, interval: float = 0.25) -> Any:
    """Calls probe until it returns something truthy; raises TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except Exception as err:  # noqa: BLE001 - probes may fail while a process starts
            last_error = err
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def listening_address(log: Path, pattern: str, proc: Proc, timeout: float = 60.0, offset: int = 0) -> str:
    """Waits for a 'listening' line in a log (after byte `offset`) and returns the host:port it names."""
    regex = re.compile(pattern)

    def probe() -> str | None:
        if not proc.alive:
            raise RuntimeError(f"{proc.name} exited with status {proc.popen.returncode}")
        match = regex.search(log.read_bytes()[offset:].decode(errors="replace")) if log.exists() else None
        return match.group(1) if match else None

    return wait_for(f"{proc.name} to listen", probe, timeout)


def http(method: str, url: str, body: Any = None, timeout: float = 10.0) -> tuple[int, bytes]:
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def get_json(url: str, timeout: float = 10.0) -> Any:
    status, body = http("GET", url, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"GET {url}: HTTP {status}: {body[:200]!r}")
    return json.loads(body)


def post_json(url: str, body: Any, timeout: float = 10.0) -> Any:
    status, answer = http("POST", url, body, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"POST {url}: HTTP {status}: {answer[:200]!r}")
    return json.loads(answer) if answer else None


def series_key(metric: dict[str, str]) -> tuple:
    """A hashable identity of a series without Prometheus' target labels."""
    return tuple(sorted((k, v) for k, v in metric.items() if k not in ("job", "instance")))


class Prometheus:
    """The HTTP API of one Prometheus server."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def query(self, expr: str, at: float | None = None) -> dict:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        body = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(f"{self.base}/api/v1/query", data=body,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                payload = json.loads(resp.read())
        except urllib.error.HTTPError as err:
            payload = json.loads(err.read() or b"{}")
        if payload.get("status") != "success":
            raise RuntimeError(f"query {expr!r} failed: {payload.get('errorType')}: {payload.get('error')}")
        return payload["data"]

    def vector(self, expr: str) -> list[tuple[dict[str, str], float]]:
        data = self.query(expr)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(item["metric"], float(item["value"][1])) for item in data["result"]]

    def value(self, expr: str) -> float | None:
        """The single value of an instant query, None when empty."""
        result = self.vector(expr)
        if not result:
            return None
        if len(result) > 1:
            raise RuntimeError(f"query {expr!r} returned {len(result)} series, expected one")
        return result[0][1]

    def raw(self, selector: str, seconds: int) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """The stored samples of a selector over the last `seconds` (a range-vector query)."""
        data = self.query(f"{selector}[{seconds}s]")
        return [(item["metric"], [(float(t), float(v)) for t, v in item["values"]]) for item in data["result"]]

    def scrapes(self, selector: str, seconds: int) -> dict[float, dict[tuple, float]]:
        """Samples grouped by scrape timestamp: {ts: {series key (with __name__): value}}."""
        by_ts: dict[float, dict[tuple, float]] = {}
        for metric, values in self.raw(selector, seconds):
            key = series_key(metric)
            for ts, value in values:
                by_ts.setdefault(ts, {})[key] = value
        return by_ts


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError as err:
        return f"(cannot read {path}: {err})"
    return "\n".join(text[-lines:])


class Checks:
    """`PASS name (detail)` / `FAIL name: detail` lines and their counts."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}", flush=True)
        return ok

    def fail(self, name: str, message: str) -> None:
        self.check(name, False, message)


class Counts(Protocol):
    passed: int
    failed: int

    def fail(self, name: str, message: str) -> None: ...


class Runnable(Protocol):
    def run(self) -> None: ...

    def close(self) -> None: ...


def prerequisites_missing(label: str, tools: Iterable[str] = (), bin_dir: Path | None = None) -> bool:
    """Whether a tool on PATH or one of the two binaries in `bin_dir` is missing; if so,
    prints the suite's one failure and its closing line (`<label>: 0 passed, 1 failed`)."""
    problems = [f"{tool} not found on PATH" for tool in tools if shutil.which(tool) is None]
    if bin_dir is not None:
        problems += [f"{bin_dir / binary} missing (build it first)"
                     for binary in ("sas-exporter", "sas-simulator") if not os.access(bin_dir / binary, os.X_OK)]
    if problems:
        print(f"FAIL prerequisites: {problems[0]}\n{label}: 0 passed, 1 failed")
    return bool(problems)


def run_suite(label: str, prefix: str, keep: bool, results: Counts,
              build: Callable[[Path], Runnable], finish: Callable[[Runnable], None] | None = None) -> int:
    """Runs a suite in a temporary directory and always cleans up after it.

    `build(tmp)` makes the suite; its `run()` plays the checks, its `close()` stops every
    process it started (it may be called twice). The directory is removed at the end
    (unless `keep`), from `atexit` too, and SIGTERM / SIGINT / SIGHUP end the run as a
    failure, cleanly. On any failure the last lines of each log in the directory are
    printed. The last line is `<label>: N passed, N failed`; the result is the exit status.
    """
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    suite = build(tmp)

    def cleanup() -> None:
        suite.close()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)

    def on_signal(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    atexit.register(cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    started = time.monotonic()
    try:
        suite.run()
    except Exception as err:  # noqa: BLE001 - a broken stack is one failure, reported readably
        results.fail(f"{label} ran to the end", f"{type(err).__name__}: {err}")
    except (SystemExit, KeyboardInterrupt) as err:
        results.fail(f"{label} ran to the end", f"interrupted ({type(err).__name__} {getattr(err, 'code', '')})")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if results.failed:
            for log in sorted(tmp.glob("*.log")):
                print(f"\n--- last lines of {log.name} ---\n{tail(log)}")
        suite.close()
        if finish is not None:
            finish(suite)
        if keep:
            print(f"kept {tmp}")
    print(f"duration: {time.monotonic() - started:.0f} s")
    print(f"{label}: {results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0
