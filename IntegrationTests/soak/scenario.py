"""The soak's schedule of faults: which event starts at which step, and for how long.

A step is one advance of the simulated world (`--step` simulated seconds, about one real
second). Events never overlap, so each one's effect and its end are clean; a few quiet
steps separate them. The first events are one of each kind in a seeded random order, so
even a short run plays every fault; after that (long runs) kinds are drawn at random.
SIGKILL restarts are kept to the first `kill_hours` simulated hours of a long run, so
that the memory figure covers one process over several simulated days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# kind -> steps it lasts (the end action runs that many steps after the start)
KINDS: dict[str, int] = {
    "throttling": 3,        # throttle_rps 2: Throttling.User storms, retried
    "server_errors": 3,     # error_rate 0.3: 500 ServerError bursts, retried
    "malformed": 3,         # malformed_rate 0.2: bodies that are not JSON
    "truncated": 3,         # truncate_rate 0.2: bodies cut short
    "resets": 3,            # close_rate 0.2: connections closed mid-body
    "slow": 3,              # latency past poll_timeout: polls fail at their deadline
    "sts_down": 14,         # STS answers 503 for 70 simulated minutes: role credentials expire
    "clock_forward": 3,     # the exporter's wall clock 10 min ahead of the world
    "clock_back": 3,        # ... and 10 min behind
    "sighup": 1,            # a changed configuration, reloaded
    "sighup_invalid": 2,    # a broken configuration: refused, then the good one again
    "sigkill": 2,           # SIGKILL; started again 2 steps later with the state file
}


@dataclass(frozen=True)
class Event:
    kind: str
    start: int      # step at which it starts
    end: int        # step at which it is undone


def duration(kind: str, step_seconds: int) -> int:
    """Steps an event lasts. The STS outage lasts 70 simulated minutes whatever the step:
    the exporter's credential backoff runs in real time (up to 60 s), so a longer outage
    in steps is a far longer one in simulated time, and the role accounts could then stay
    without a complete poll for longer than the window (seen with 600 s steps: 441 min)."""
    if kind == "sts_down":
        return max(3, -(-70 * 60 // step_seconds))
    return KINDS[kind]


def schedule(steps: int, step_seconds: int, seed: int, warmup: int = 4, calm: int = 4,
             kill_hours: float | None = None) -> list[Event]:
    """Events for a run of `steps` steps: the first `warmup` and the last `calm` are quiet."""
    rng = random.Random(seed)
    first = list(KINDS)
    rng.shuffle(first)
    events: list[Event] = []
    step = warmup + 1
    while True:
        if first:
            kind = first.pop(0)
        else:
            kind = rng.choice(list(KINDS))
            if kind == "sigkill" and kill_hours is not None and step * step_seconds > kill_hours * 3600:
                continue
        end = step + duration(kind, step_seconds)
        if end > steps - calm:
            if first:       # a short run too short for every kind: skip the long ones
                continue
            break
        events.append(Event(kind, step, end))
        step = end + 1 + rng.randint(1, 3 if len(events) <= len(KINDS) else 8)
    return events
