"""Fetch real response pages from a running sas-simulator as fuzz seeds.

    python3 Fuzz/tools/simulator_pages.py URL OUTDIR [--odd]

Calls ListOperationProcess and ListOperationProcessDetail with RPC signatures (the
simulator's default key testid:testsecret) and writes each response body to OUTDIR as
it arrived. With --odd the simulator's odd_record fault is switched on first, so the
detail pages carry a record of the wrong field types. Standard library only; the seeds of
Fuzz/Corpus/page-decoders/sim-* were made with it (docs/reliability.md, "Fuzzing").
"""

import base64
import hashlib
import hmac
import json
import sys
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime


def encode(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


def call(base: str, action: str, parameters: dict[str, str]) -> bytes:
    query = {
        "Action": action,
        "Format": "json",
        "Version": "2018-12-03",
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": "testid",
        **parameters,
    }
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(query.items()))
    to_sign = "POST&%2F&" + encode(canonical)
    digest = hmac.new(b"testsecret&", to_sign.encode(), hashlib.sha1).digest()
    query["Signature"] = base64.b64encode(digest).decode()
    request = urllib.request.Request(base + "/?" + urllib.parse.urlencode(query), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def main() -> None:
    base, outdir = sys.argv[1].rstrip("/"), sys.argv[2]
    odd = "--odd" in sys.argv[3:]
    if odd:
        faults = urllib.request.Request(base + "/admin/faults", data=b'{"odd_record": true}', method="POST")
        urllib.request.urlopen(faults, timeout=10).read()
    start = str(int(datetime.now(UTC).timestamp() * 1000) - 86_400_000)
    tasks_body = call(base, "ListOperationProcess", {"StartTime": start, "PageSize": "5", "CurrentPage": "1"})
    prefix = "sim-odd" if odd else "sim"
    with open(f"{outdir}/{prefix}-ListOperationProcess.json", "wb") as out:
        out.write(tasks_body)
    task_ids = [task["TaskId"] for task in json.loads(tasks_body)["Processes"]][:3]
    parameters = {f"TaskIds.{n + 1}": task for n, task in enumerate(task_ids)}
    for page in (1, 2):
        body = call(base, "ListOperationProcessDetail", {**parameters, "PageSize": "4", "CurrentPage": str(page)})
        with open(f"{outdir}/{prefix}-ListOperationProcessDetail-page{page}.json", "wb") as out:
            out.write(body)


if __name__ == "__main__":
    main()
