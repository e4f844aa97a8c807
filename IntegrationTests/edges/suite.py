#!/usr/bin/env python3
"""Faults at the edges of the real sas-exporter: DNS, TLS, a proxy, the state file's disk.

Run through IntegrationTests/edges/run (root: it uses a private mount namespace). The
exporter binary runs unmodified inside `unshare --mount`, where three files of its own
world are ours to change while it runs:

* `/etc/hosts` (bind-mounted): the API host `sas-api.invalid` is first missing (a DNS
  failure: `.invalid` never resolves), then added;
* `/etc/ssl/certs/ca-certificates.crt` (bind-mounted): the system roots plus a test CA;
  the API's TLS front first shows a certificate from another CA (a wrong-CA failure),
  then one from the trusted CA;
* the state file's folder: a 256 KiB tmpfs, filled up (disk full), then remounted
  read-only, and each time freed again.

A second account reaches the API through `HTTPS_PROXY`, which first names a closed port
(the proxy refuses), then a CONNECT proxy that is started there. Each fault must give a
clear log line, a counted error (`alibabacloud_sas_api_requests_total{code}` or
`alibabacloud_sas_state_file_errors_total{operation}`), `alibabacloud_sas_up 0` where
the API cannot be reached (and 1 where only the disk is at fault), and recovery once it
clears. Prints `PASS`/`FAIL` lines and `edges: N passed, N failed`.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import subprocess
import sys
from pathlib import Path

from e2e.harness import Checks, Stack, free_port, listening_address, prerequisites_missing, run_suite, wait_for
from edges.proxies import ConnectProxy, TLSFront
from soak.exposition import scrape

HOST = "sas-api.invalid"
PROXIED_HOST = "sas-proxied.invalid"
KEY = ("edgeid", "edge-secret-8f14e45fceea167a5a36dedd4bea2543")
SYSTEM_ROOTS = Path("/etc/ssl/certs/ca-certificates.crt")
# Runs inside `unshare --mount`: our hosts file and CA bundle over the system's, a tiny
# tmpfs for the state file, then the exporter (same pid: exec all the way).
NAMESPACE_SCRIPT = ('mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/ssl/certs/ca-certificates.crt '
                    '&& mount -t tmpfs -o size=256k sas-edge-state "$3" && shift 3 && exec "$@"')


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(folder: Path) -> dict[str, tuple[str, str]]:
    """Two CAs, and from each a server certificate for both API host names."""
    (folder / "san.cnf").write_text(f"subjectAltName=DNS:{HOST},DNS:{PROXIED_HOST}\n"
                                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    out = {}
    for name in ("trusted", "wrong"):
        ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
        openssl("req", "-x509", *ec, "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.crt", "-days", "2",
                "-subj", f"/CN=sas-edge {name} CA", cwd=folder)
        openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={HOST}", cwd=folder)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{name}-ca.crt", "-CAkey", f"{name}-ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", "san.cnf", cwd=folder)
        out[name] = (str(folder / f"{name}.crt"), str(folder / f"{name}.key"))
    return out


class Edges:
    def __init__(self, bin_dir: Path, tmp: Path, results: Checks) -> None:
        self.bin = bin_dir
        self.tmp = tmp
        self.r = results
        self.stack = Stack()
        self.front: TLSFront | None = None
        self.proxy: ConnectProxy | None = None

    def log(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def close(self) -> None:
        self.stack.close()
        for server in (self.proxy, self.front):
            if server is not None:
                server.stop()
        self.proxy = self.front = None

    # ---------------------------------------------------------------- observation

    def metrics(self):
        return scrape(self.base)

    def requests(self, account: str) -> dict[str, float]:
        s = self.metrics()
        return {code: value for (code,), value in
                s.family("alibabacloud_sas_api_requests_total", account, ("code",)).items()}

    def up(self, account: str) -> float | None:
        return self.metrics().value("alibabacloud_sas_up", account=account)

    def state_errors(self) -> float:
        return self.metrics().value("alibabacloud_sas_state_file_errors_total", operation="save") or 0.0

    def log_lines(self, since: int, pattern: str) -> list[str]:
        text = self.log("exporter").read_bytes()[since:].decode(errors="replace")
        return [line for line in text.splitlines() if re.search(pattern, line)]

    def poll_errors(self, account: str, since: int) -> list[str]:
        """The `error` of each "poll incomplete" line of `account` after byte `since`."""
        out = []
        for line in self.log_lines(since, r"poll incomplete"):
            fields = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line)}
            if fields.get("account") == account:
                out.append(fields.get("error", line))
        return out

    def api_fault(self, name: str, account: str, since: int, before: dict[str, float], words: tuple[str, ...]) -> None:
        """up 0, an error counted, and a poll error naming the cause, for one account."""
        try:
            wait_for(f"{account} to fail", lambda: self.up(account) == 0 and self.poll_errors(account, since), 30)
        except TimeoutError:
            pass
        errors = self.poll_errors(account, since)
        after = self.requests(account)
        grown = {c: after[c] - before.get(c, 0) for c in after if c != "OK" and after[c] > before.get(c, 0)}
        self.r.check(f"{name}: {account} up 0", self.up(account) == 0, f"up {self.up(account)}")
        self.r.check(f"{name}: counted in api_requests_total{{code}}", bool(grown),
                     ", ".join(f"{c} +{v:g}" for c, v in sorted(grown.items())) or "nothing counted")
        clear = [e for e in errors if any(w.lower() in e.lower() for w in words)]
        self.r.check(f"{name}: a clear log line", bool(clear),
                     repr(clear[-1][:300]) if clear else f"no poll error naming {words}: {errors[-1:]!r}")

    # ---------------------------------------------------------------- the run

    def run(self) -> None:
        certs = make_certificates(self.tmp)
        hosts = self.tmp / "hosts"
        hosts.write_text("127.0.0.1 localhost\n")
        bundle = self.tmp / "ca-certificates.crt"
        bundle.write_text(SYSTEM_ROOTS.read_text() + "\n" + Path(certs["trusted"][0]).with_name("trusted-ca.crt")
                          .read_text())
        state_dir = self.tmp / "state"
        state_dir.mkdir()

        sim = self.stack.start("simulator", [
            str(self.bin / "sas-simulator"), "--web.listen-address", "127.0.0.1:0", f"--access-key={KEY[0]}:{KEY[1]}",
            "--seed", "5", "--tasks", "480", "--subtasks-per-task", "5"], self.log("simulator"))
        sim_addr = listening_address(self.log("simulator"), r"listening on (\S+:\d+)", sim)
        host, port = sim_addr.rsplit(":", 1)
        self.front = TLSFront((host, int(port)), certs, mode="wrong")
        proxy_port = free_port()
        config = ["interval: 1s", "lookback: 1h", f"state_file: {state_dir / 'state.json'}", "accounts:"]
        for name, api_host in (("direct", HOST), ("proxied", PROXIED_HOST)):
            config += [f"  - name: {name}", f"    endpoint: https://{api_host}:{self.front.port}",
                       "    poll_timeout: 3s", "    requests_per_second: 100", "    credentials:",
                       f"      access_key_id: {KEY[0]}", f"      access_key_secret: {KEY[1]}"]
        (self.tmp / "config.yml").write_text("\n".join(config) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.update({"HTTPS_PROXY": f"http://127.0.0.1:{proxy_port}", "NO_PROXY": f"{HOST},127.0.0.1,localhost"})
        exporter = self.stack.start("exporter", [
            "unshare", "--mount", "--propagation", "private", "sh", "-c", NAMESPACE_SCRIPT, "sh",
            str(hosts), str(bundle), str(state_dir),
            str(self.bin / "sas-exporter"), f"--config.file={self.tmp / 'config.yml'}",
            "--web.listen-address=127.0.0.1:0"], self.log("exporter"), env=env)
        self.base = "http://" + listening_address(self.log("exporter"), r"msg=listening address=(\S+:\d+)", exporter)
        inside = Path(f"/proc/{exporter.popen.pid}/root") / str(state_dir).lstrip("/")

        # 1. DNS: the API host does not resolve; the proxy port is closed.
        self.api_fault("DNS failure", "direct", 0, {}, (HOST, "resolve", "address", "dns", "lookup"))
        self.api_fault("proxy refuses", "proxied", 0, {}, ("proxy", "refused", "connect"))

        # 2. The name resolves now: TLS with a certificate from a CA the exporter does not trust.
        mark, before = self.log("exporter").stat().st_size, self.requests("direct")
        hosts.write_text(f"127.0.0.1 localhost\n127.0.0.1 {HOST}\n")
        self.api_fault("TLS, wrong CA", "direct", mark, before, ("certificate", "tls", "ssl", "handshake", "verify"))

        # 3. The proxy listens now: its tunnel reaches the same wrong certificate.
        mark, before = self.log("exporter").stat().st_size, self.requests("proxied")
        self.proxy = ConnectProxy(proxy_port, ("127.0.0.1", self.front.port))
        self.api_fault("through the proxy, wrong CA", "proxied", mark, before,
                       ("certificate", "tls", "ssl", "handshake", "verify"))

        # 4. The right certificate: both accounts recover, the state file is written.
        self.front.mode = "trusted"
        for account in ("direct", "proxied"):
            try:
                wait_for(f"{account} up", lambda a=account: self.up(a) == 1, 30)
            except TimeoutError:
                pass
            self.r.check(f"recovery: {account} up 1 once DNS, CA and proxy are right", self.up(account) == 1,
                         f"up {self.up(account)}")
        self.r.check("the proxied account really went through the proxy", self.proxy.tunnels > 0,
                     f"{self.proxy.tunnels} CONNECT tunnels")
        saved = wait_for("the state file", lambda: (inside / "state.json").exists(), 30)
        self.r.check("state file written in the exporter's tmpfs", bool(saved), str(inside / "state.json"))

        # 5. Disk full, then 6. read-only: each counted and logged, serving goes on, recovery.
        self.disk_fault("disk full", inside, fill=True)
        self.disk_fault("read-only", inside, fill=False, pid=exporter.popen.pid, state_dir=state_dir)

    def disk_fault(self, name: str, inside: Path, fill: bool, pid: int = 0, state_dir: Path | None = None) -> None:
        mark, errors = self.log("exporter").stat().st_size, self.state_errors()
        filler = inside / "filler"
        if fill:
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while os.write(fd, b"\0" * 4096) > 0:
                    pass
            except OSError as err:
                if err.errno != errno.ENOSPC:
                    raise
            finally:
                os.close(fd)
        else:
            subprocess.run(["nsenter", "-t", str(pid), "-m", "mount", "-o", "remount,ro", str(state_dir)], check=True)
        try:
            wait_for(f"{name} to be counted", lambda: self.state_errors() > errors, 20)
        except TimeoutError:
            pass
        grown = self.state_errors() - errors
        self.r.check(f"{name}: counted in state_file_errors_total{{operation=\"save\"}}", grown > 0, f"+{grown:g}")
        lines = self.log_lines(mark, r"cannot save the state file")
        self.r.check(f"{name}: a clear log line", bool(lines), repr(lines[-1][:300]) if lines else "none")
        ups = {a: self.up(a) for a in ("direct", "proxied")}
        self.r.check(f"{name}: polling and serving go on (up 1)", all(v == 1 for v in ups.values()), str(ups))
        if fill:
            filler.unlink()
        else:
            subprocess.run(["nsenter", "-t", str(pid), "-m", "mount", "-o", "remount,rw", str(state_dir)], check=True)
        try:
            wait_for(f"{name} to clear", lambda: self.log_lines(mark, r"state file saved again"), 20)
            recovered = True
        except TimeoutError:
            recovered = False
        self.r.check(f"{name}: saving works again once it clears", recovered, "\"state file saved again\" logged")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", type=Path, default=Path(os.environ.get("SAS_BIN", ".build/debug")))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if prerequisites_missing("edges", ("unshare", "nsenter", "openssl"), args.bin):
        return 1
    results = Checks()
    return run_suite("edges", "sas-edges-", args.keep, results, lambda tmp: Edges(args.bin.resolve(), tmp, results))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
