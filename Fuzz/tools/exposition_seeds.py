"""Write the seeds of the exposition fuzz target (Fuzz/Targets/exposition.swift).

    python3 Fuzz/tools/exposition_seeds.py OUTDIR

An input is a header (the `Plan` of exposition.swift: flags, account names, bucket
bounds, lookback, caps, and four polls' window, scope, listing and task counts) and then
either structured records or, in JSON mode, response bodies separated by NUL bytes.
These seeds put the golden fixtures' pages (Tests/SASMetricsTests/Fixtures) and the
simulator's pages (Fuzz/Corpus/page-decoders/sim-*) through the polls of the golden test,
with default and with odd settings, plus a few structured inputs.
"""

import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "SASMetricsTests", "Fixtures")
SIMULATOR = os.path.join(ROOT, "Fuzz", "Corpus", "page-decoders")

JSON_MODE, TWO_ACCOUNTS, KEEP_SETTLED = 1, 2, 4


def text(value: str, repeats: int = 0) -> bytes:
    raw = value.encode()
    return bytes([len(raw)]) + raw + bytes([repeats])


def header(flags: int, names: list[str], buckets: list[float], lookback: int, tracked: int, max_checks: int,
           polls: list[tuple[int, int, int, int]]) -> bytes:
    out = bytes([flags]) + b"".join(text(name) for name in names)
    out += bytes([len(buckets)]) + b"".join(b"\x02" + struct.pack(">d", bound) for bound in buckets)
    out += bytes([lookback, tracked, max_checks, len(polls) - 1])
    for minutes, selector, mask, listing in (polls + [(0, 0, 0, 0)] * 4)[:4]:
        out += struct.pack(">h", minutes) + bytes([selector, mask, listing, 0])
    return out


def fixture(name: str, directory: str = FIXTURES) -> bytes:
    with open(os.path.join(directory, name), "rb") as handle:
        return handle.read()


def golden_bodies() -> list[bytes]:
    # Body i goes to poll i modulo 3.
    return [fixture(name) for name in [
        "poll1-subtasks-page1.json", "poll2-subtasks-page1.json", "poll3-subtasks-page1.json",
        "poll1-subtasks-page2.json", "poll2-subtasks-page2.json",
    ]]


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    golden_polls = [(0, 0, 0, 0), (1, 0, 0, 0), (1, 0, 0, 0)]
    seeds = {
        "json-golden-polls": header(JSON_MODE, ["prod"], [], 2, 0, 0, golden_polls) + b"\0".join(golden_bodies()),
        "json-golden-two-accounts-odd-settings": header(
            JSON_MODE | TWO_ACCOUNTS | KEEP_SETTLED, ["prod", "staging \"eu\"\\"], [0.5, 1e-300, 3600, 1e300], 0, 3, 2,
            [(0, 0, 0, 1), (2, 2, 3, 5), (-1, 1, 0, 0)],
        ) + b"\0".join(golden_bodies()),
        "json-awkward": header(JSON_MODE, ["awkward"], [], 2, 0, 0, [(0, 0, 0, 0), (1, 0, 0, 0)])
        + fixture("awkward-subtasks.json") + b"\0" + fixture("awkward-subtasks.json"),
        "json-simulator": header(JSON_MODE, ["sim"], [], 4, 0, 0, [(0, 0, 0, 0)])
        + b"\0".join(fixture(name, SIMULATOR) for name in sorted(os.listdir(SIMULATOR))
                     if name.startswith("sim") and "Detail" in name),
        # Structured: header, then per poll a page count and records (zeros read as
        # "absent", so a short tail still makes records).
        "structured-small": header(0, ["prod"], [], 2, 0, 0, [(0, 0, 0, 0), (1, 0, 0, 0)])
        + bytes([1, 4]) + bytes(range(1, 120)) + bytes([2, 3]) + bytes(range(120, 250)),
        "structured-cap": header(TWO_ACCOUNTS, ["a", "b"], [1, 2, 4], 0, 2, 1, [(0, 0, 0, 0), (30, 2, 15, 6)])
        + bytes([3, 12]) + bytes(range(255, 0, -1)) * 3,
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as handle:
            handle.write(data)


if __name__ == "__main__":
    main()
