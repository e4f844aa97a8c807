"""The official Alibaba Cloud Python SDK against sas-simulator.

Run by scripts/check-conformance, which starts the simulator and sets SIM_ENDPOINT
(host:port), SIM_KEY_ID, SIM_KEY_SECRET and SIM_MAX_PAGE_SIZE. The SDK is a client nobody
on this project wrote: if it can page through the data set with both signature versions,
with and without STS tokens, and gets the documented error codes, the simulator verifies
what real clients send.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import urllib.parse
import urllib.request
import uuid

import pytest
from alibabacloud_sas20181203 import models
from alibabacloud_sas20181203.client import Client
from alibabacloud_tea_openapi.models import Config
from Tea.exceptions import TeaException

ENDPOINT = os.environ["SIM_ENDPOINT"]
KEY_ID = os.environ["SIM_KEY_ID"]
KEY_SECRET = os.environ["SIM_KEY_SECRET"]
MAX_PAGE_SIZE = int(os.environ.get("SIM_MAX_PAGE_SIZE", "100"))
BASE = f"http://{ENDPOINT}"
DAY_MS = 86_400_000


def http_json(path):
    with urllib.request.urlopen(BASE + path, timeout=10) as response:
        return json.loads(response.read())


def simulated_now():
    return http_json("/admin/time")["now_ms"]


def truth(start, end):
    return http_json(f"/admin/truth?start={start}&end={end}")


def rpc_encode(text):
    return urllib.parse.quote(str(text), safe="-_.~")


def assume_role():
    """STS AssumeRole, signed by hand with RPC V2 (HMAC-SHA1) as a GET."""
    params = {
        "Action": "AssumeRole",
        "Format": "JSON",
        "Version": "2015-04-01",
        "RoleArn": "acs:ram::1234567890123456:role/conformance",
        "RoleSessionName": "conformance",
        "DurationSeconds": "3600",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "AccessKeyId": KEY_ID,
    }
    canonical = "&".join(f"{rpc_encode(k)}={rpc_encode(v)}" for k, v in sorted(params.items()))
    to_sign = "GET&%2F&" + rpc_encode(canonical)
    digest = hmac.new((KEY_SECRET + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    params["Signature"] = base64.b64encode(digest).decode()
    return http_json("/?" + urllib.parse.urlencode(params))["Credentials"]


def assume_role_with_oidc():
    """STS AssumeRoleWithOIDC: unsigned."""
    params = {
        "Action": "AssumeRoleWithOIDC",
        "Format": "JSON",
        "Version": "2015-04-01",
        "RoleArn": "acs:ram::1234567890123456:role/conformance",
        "OIDCProviderArn": "acs:ram::1234567890123456:oidc-provider/ack-rrsa",
        "OIDCToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjb25mb3JtYW5jZSJ9.c2lnbmF0dXJl",
        "RoleSessionName": "conformance-oidc",
        "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return http_json("/?" + urllib.parse.urlencode(params))["Credentials"]


def make_client(signature, credentials="static", secret=None):
    kwargs = dict(endpoint=ENDPOINT, protocol="HTTP", read_timeout=10000, connect_timeout=5000)
    if credentials == "static":
        kwargs.update(access_key_id=KEY_ID, access_key_secret=secret or KEY_SECRET)
    else:
        issued = assume_role() if credentials == "assume_role" else assume_role_with_oidc()
        assert issued["AccessKeyId"].startswith("STS.")
        kwargs.update(
            access_key_id=issued["AccessKeyId"],
            access_key_secret=issued["AccessKeySecret"],
            security_token=issued["SecurityToken"],
        )
    if signature == "rpc":
        kwargs["signature_algorithm"] = "v2"
    return Client(Config(**kwargs))


def list_task_ids(client, start, end):
    ids, page = [], 1
    while True:
        response = client.list_operation_process(
            models.ListOperationProcessRequest(current_page=page, page_size=10, start_time=start, end_time=end)
        ).body
        ids += [p.task_id for p in response.processes or []]
        if not response.processes or len(ids) >= response.page_info.total_count:
            return ids
        page += 1


def list_details(client, task_ids, start, end, page_size):
    details, totals, page = [], set(), 1
    while True:
        response = client.list_operation_process_detail(
            models.ListOperationProcessDetailRequest(
                task_ids=task_ids, current_page=page, page_size=page_size, start_time=start, end_time=end, lang="en"
            )
        ).body
        totals.add(response.page_info.total_count)
        assert response.page_info.current_page == page
        assert response.page_info.count == len(response.process_details or [])
        if not response.process_details:
            return details, totals
        details += response.process_details
        page += 1


@pytest.mark.parametrize("signature", ["v3", "rpc"])
@pytest.mark.parametrize("credentials", ["static", "assume_role", "oidc"])
def test_pages_match_ground_truth(signature, credentials):
    client = make_client(signature, credentials)
    end = simulated_now()
    start = end - DAY_MS
    task_ids = list_task_ids(client, start, end)
    expected = truth(start, end)
    assert task_ids == expected["task_ids"]
    assert len(task_ids) > 0
    details, totals = list_details(client, task_ids, start, end, page_size=min(37, MAX_PAGE_SIZE))
    assert totals == {expected["total"]}
    assert len(details) == expected["total"]
    assert [d.detail_task_id for d in details] == [s["detail_task_id"] for s in expected["subtasks"]]
    # every subtask carries at least one check with a name
    assert all(d.checks and all(c.check_show_name for c in d.checks) for d in details)


@pytest.mark.parametrize("signature", ["v3", "rpc"])
def test_wrong_secret_is_signature_does_not_match(signature):
    client = make_client(signature, secret="wrong-secret")
    with pytest.raises(TeaException) as caught:
        client.list_operation_process_detail(models.ListOperationProcessDetailRequest(task_ids=["x"]))
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.statusCode == 400
    assert caught.value.data["Code"] == "SignatureDoesNotMatch"
    assert "server string to sign is:" in caught.value.data["Message"]


@pytest.mark.parametrize("signature", ["v3", "rpc"])
def test_missing_task_ids_is_cspm_param_illegal(signature):
    client = make_client(signature)
    with pytest.raises(TeaException) as caught:
        client.list_operation_process_detail(models.ListOperationProcessDetailRequest(page_size=10))
    assert caught.value.code == "CspmParamIllegal"
    assert caught.value.statusCode == 400


def test_page_size_above_maximum_is_cspm_param_illegal():
    client = make_client("v3")
    with pytest.raises(TeaException) as caught:
        client.list_operation_process_detail(
            models.ListOperationProcessDetailRequest(task_ids=["x"], page_size=MAX_PAGE_SIZE + 1)
        )
    assert caught.value.code == "CspmParamIllegal"


def test_unknown_access_key_is_not_found():
    client = Client(Config(access_key_id="nobody", access_key_secret="x", endpoint=ENDPOINT, protocol="HTTP"))
    with pytest.raises(TeaException) as caught:
        client.list_operation_process_detail(models.ListOperationProcessDetailRequest(task_ids=["x"]))
    assert caught.value.code == "InvalidAccessKeyId.NotFound"
    assert caught.value.statusCode == 404


def test_awkward_task_ids_verify_with_both_signatures():
    for signature in ["v3", "rpc"]:
        client = make_client(signature)
        response = client.list_operation_process_detail(
            models.ListOperationProcessDetailRequest(task_ids=["a b*c", "检查/~'\"+&="], page_size=5)
        ).body
        assert response.page_info.total_count == 0
