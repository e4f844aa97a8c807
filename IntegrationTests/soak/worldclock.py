"""Simulated time for whole processes, through libfaketime (Debian package `faketime`).

The soak runs the real `sas-simulator` and `sas-exporter` binaries, unmodified, with
`LD_PRELOAD=libfaketime` and a per-process timestamp file holding a relative offset
(`+3600`). libfaketime re-reads the file on every call (`FAKETIME_NO_CACHE=1`), so
writing a larger offset moves the process' wall clock (`CLOCK_REALTIME`: `Date()`, log
timestamps, request signatures, the poll window, STS expiry) forward at once, while
`FAKETIME_DONT_FAKE_MONOTONIC=1` leaves the monotonic clocks alone: the exporter's ticks,
deadlines, retry waits and rate limits keep running in real time and never jump.

Both processes read the same "world" offset, so their wall clocks agree to the
millisecond (the simulator's data set is a function of its wall clock; the exporter's
window is `[wall - lookback, wall]`). A step of `N` seconds every real second is time
accelerated `N`-fold, with every poll seeing a consistent world. The exporter alone can
be given an extra skew (a wall-clock jump of its host, `±10 min`) that the simulator
does not see. Files are replaced atomically (write, rename): a process never reads half
an offset.

One catch: libfaketime's start-up adds `FAKETIME_SHARED` to the environment, which moves
`environ` off the initial stack, and Swift's runtime finds `argv` by walking up from
`environ` (swiftlang/swift#76080): a Swift binary under libfaketime sees no arguments.
When the variable is already set, libfaketime attaches to the shared memory it names and
adds nothing. So a keeper process (`sleep infinity` under libfaketime) creates that
shared memory first, and every process is started with `FAKETIME_SHARED` naming it
(`/faketime_sem_<pid> /faketime_shm_<pid>`, libfaketime's own names). `release` removes
the keeper's two files from /dev/shm once it is stopped.

A second catch: a Swift process whose libfaketime starts with a non-zero offset has its
timers stall (its pollers overslept by tens of seconds, waking only when a signal such as
SIGHUP came in: 1 poll in 8 s instead of 8 with a 1 s interval), while one that starts
at +0 and is moved later keeps perfect time. So a process (re)started in the middle of a
run starts at +0 and is moved to the world's offset 0.2 s later (`hold_exporter`); its
wall clock is wrong only for that moment, before it has polled or signed anything the
simulator would accept (a signature two hours off is refused as expired).
"""

from __future__ import annotations

import glob
import os
import time
from pathlib import Path

from e2e.truth import MARGIN_MS

LIBRARY_GLOBS = ("/usr/lib/*/faketime/libfaketimeMT.so.1", "/usr/lib/faketime/libfaketimeMT.so.1")


def find_library() -> str | None:
    """The multi-threaded libfaketime of the Debian package, or None."""
    for pattern in LIBRARY_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


class WorldClock:
    """The offsets (seconds) of the simulated world and of the exporter's skew."""

    def __init__(self, directory: Path, library: str) -> None:
        self.library = library
        self.world_file = directory / "world.faketime"
        self.exporter_file = directory / "exporter.faketime"
        self.offset = 0
        self.skew = 0
        self.keeper_pid: int | None = None
        self.holding = False
        self.changed_real_ms = 0
        self.written: tuple[int, int] | None = None     # (world, exporter) offsets last written
        self.exporter_offset = 0
        self._write()

    def hold_exporter(self, holding: bool) -> None:
        """While holding, the exporter's file says +0 (see the module's docstring)."""
        self.holding = holding
        self._write()

    def keeper_environment(self) -> dict[str, str]:
        """The environment of the keeper process (it creates libfaketime's shared memory)."""
        env = self.environment("simulator")
        env.pop("FAKETIME_SHARED", None)
        return env

    def shared(self, keeper_pid: int) -> None:
        """Start every later process on the keeper's shared memory."""
        deadline = time.monotonic() + 10
        while not Path(f"/dev/shm/faketime_shm_{keeper_pid}").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("libfaketime's keeper made no shared memory")
            time.sleep(0.05)
        self.keeper_pid = keeper_pid

    def release(self) -> None:
        """Removes the keeper's shared memory (call after the keeper stopped)."""
        if self.keeper_pid is not None:
            for name in (f"faketime_shm_{self.keeper_pid}", f"sem.faketime_sem_{self.keeper_pid}"):
                Path("/dev/shm", name).unlink(missing_ok=True)

    def environment(self, process: str) -> dict[str, str]:
        """The environment that puts `process` ("simulator" or "exporter") on this clock."""
        path = self.exporter_file if process == "exporter" else self.world_file
        env = dict(os.environ)
        env.update({
            "LD_PRELOAD": self.library,
            "FAKETIME_TIMESTAMP_FILE": str(path),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        })
        if self.keeper_pid is not None:
            env["FAKETIME_SHARED"] = f"/faketime_sem_{self.keeper_pid} /faketime_shm_{self.keeper_pid}"
        return env

    def advance(self, seconds: int) -> None:
        self.offset += int(seconds)
        self._write()

    def set_skew(self, seconds: int) -> None:
        """The exporter's wall clock `seconds` away from the world's (0: in step)."""
        self.skew = int(seconds)
        self._write()

    def now_ms(self, real_ms: int) -> int:
        """World time for a real epoch time."""
        return real_ms + self.offset * 1000

    def exporter_ms(self, real_ms: int) -> int:
        """The exporter's wall clock for a real epoch time, as its file says now."""
        return real_ms + self.exporter_offset * 1000

    def unreadable_poll(self, start_ms: int, end_ms: int) -> str | None:
        """Why the window of a poll the exporter stamped `start_ms..end_ms` (its wall clock
        at the end minus its duration on the monotonic clock) cannot be told from those
        stamps, or None when it can.

        A poll that began before the clocks last moved has a window whose end is its start
        in the old time (minutes before its end in the new one), while its duration knows
        nothing of the jump. A poll that ended before a backward move carries stamps ahead
        of the present clock. Both are judged in the exporter's own frame (world plus skew,
        or +0 while it is held), with the harness's usual 100 ms margin (`MARGIN_MS`) for
        the rounding of the stamps.
        """
        if start_ms <= self.exporter_ms(self.changed_real_ms) + MARGIN_MS:
            return "it began before the clocks last moved"
        if end_ms > self.exporter_ms(int(time.time() * 1000)) + MARGIN_MS:
            return "it is stamped ahead of the exporter's present clock"
        return None

    def _write(self) -> None:
        exporter = 0 if self.holding else self.offset + self.skew
        for path, value in ((self.world_file, self.offset), (self.exporter_file, exporter)):
            tmp = path.with_suffix(".tmp")
            tmp.write_text(f"{value:+d}\n")
            os.replace(tmp, path)
        # Taken once both files are in place: a poll that began before this read the old time.
        if self.written != (self.offset, exporter):
            self.written = (self.offset, exporter)
            self.exporter_offset = exporter
            self.changed_real_ms = int(time.time() * 1000)
