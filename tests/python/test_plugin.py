"""The pytest plugin of the feishu-mock wheel: what its `feishu_mock` fixture promises.

Inner pytest sessions (pytester) prove what one session cannot see from inside: the reset
between tests, the options, FEISHU_MOCK_URL, and the errors when the binary cannot start.
"""
import hashlib
import io
import json
import socket
import time

import lark_oapi as lark
from lark_oapi.api.drive.v1 import UploadAllMediaRequest, UploadAllMediaRequestBody

from feishu_mock import Emulator, FeishuMockError

DOC_NODE = "doccnFivLCfJfblZjGZtxgabcef"


def upload_all(client, data, parent_node=DOC_NODE, option=None):
    body = (
        UploadAllMediaRequestBody.builder()
        .file_name("a.txt")
        .parent_type("doc_file")
        .parent_node(parent_node)
        .size(len(data))
        .file(io.BytesIO(data))
        .build()
    )
    req = UploadAllMediaRequest.builder().request_body(body).build()
    if option is None:
        return client.drive.v1.media.upload_all(req)
    return client.drive.v1.media.upload_all(req, option)


# --- helpers over the control plane, in this session ---------------------------------------


def test_journal_and_files_show_an_sdk_upload_and_its_bytes(feishu_mock, client):
    resp = upload_all(client, b"hello journal")
    assert resp.success(), (resp.code, resp.msg)
    entries = feishu_mock.requests(endpoint="drive.media.upload_all")
    assert [(e["code"], e["status"], e["caller"]) for e in entries] == [(0, 200, "app:cli_mock")]
    # The journal keeps each file part's digest, never its bytes.
    assert [(p["name"], p["size"], p["sha256"]) for p in entries[0]["parts"]] == [
        ("file", 13, hashlib.sha256(b"hello journal").hexdigest())
    ]
    files = feishu_mock.files()
    assert [(f["file_token"], f["size"]) for f in files] == [(resp.data.file_token, 13)]
    assert feishu_mock.file_bytes(resp.data.file_token) == b"hello journal"


def test_requests_filters_by_code(feishu_mock, client):
    assert upload_all(client, b"x", parent_node="doccnNoSuchNode").code == 1061044
    assert upload_all(client, b"y").success()
    assert [e["code"] for e in feishu_mock.requests(code=1061044)] == [1061044]
    assert len(feishu_mock.requests(endpoint="drive.media.upload_all")) == 2


def test_error_header_through_the_sdks_request_option_forces_a_documented_error(feishu_mock, client):
    option = lark.RequestOption.builder().headers(feishu_mock.error_header(1061045)).build()
    resp = upload_all(client, b"z", option=option)
    assert resp.code == 1061045
    assert feishu_mock.files() == []


def test_fail_next_answers_the_code_that_many_times_then_recovers(feishu_mock, client):
    rule = feishu_mock.fail_next("drive.media.upload_all", 1061045, times=2)
    assert rule["times"] == 2
    codes = [upload_all(client, b"f").code for _ in range(3)]
    assert codes == [1061045, 1061045, 0]
    assert feishu_mock.faults()[0]["fired"] == 2
    feishu_mock.clear_faults()
    assert feishu_mock.faults() == []


def test_advance_clock_expires_the_sdks_cached_tenant_token(feishu_mock, client):
    assert upload_all(client, b"1").success()
    before = feishu_mock.now_ms()
    assert feishu_mock.advance_clock(7200) >= before + 7_200_000
    # The SDK still holds its token (cached for expire - 600 s of wall time); the emulator's
    # clock says it has expired.
    assert upload_all(client, b"2").code == 99991663


def test_add_to_world_makes_a_new_drive_node_usable_until_the_next_reset(feishu_mock, client):
    feishu_mock.add_to_world({"drive": {"nodes": [{"token": "doxcnAddedByTest", "type": "docx"}]}})
    assert upload_all(client, b"n", parent_node="doxcnAddedByTest").success()
    feishu_mock.reset()
    assert upload_all(client, b"n", parent_node="doxcnAddedByTest").code == 1061044


def test_a_refused_control_call_raises_with_the_emulators_message(feishu_mock):
    try:
        feishu_mock.fail_next("drive.media.upload_all", 1)
    except FeishuMockError as e:
        assert "documented_codes" in str(e)
    else:
        raise AssertionError("an undocumented code was accepted")


# --- inner sessions ---------------------------------------------------------------------------


# Inner sessions post by hand: importing lark_oapi costs ~6 s per process here.
INNER_UPLOAD = """
import json, urllib.request

def upload_all(url, token, parent_node="doccnFivLCfJfblZjGZtxgabcef", data=b"a"):
    fields = {"file_name": "a", "parent_type": "doc_file", "parent_node": parent_node,
              "size": str(len(data))}
    body = b"".join(b'--B\\r\\nContent-Disposition: form-data; name="%s"\\r\\n\\r\\n%s\\r\\n'
                    % (k.encode(), v.encode()) for k, v in fields.items())
    body += b'--B\\r\\nContent-Disposition: form-data; name="file"\\r\\n\\r\\n' + data + b"\\r\\n--B--\\r\\n"
    req = urllib.request.Request(url + "/open-apis/drive/v1/medias/upload_all", data=body, method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "multipart/form-data; boundary=B"})
    try:
        return json.loads(urllib.request.urlopen(req).read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())
"""

UPLOAD_THEN_EXPECT_EMPTY = INNER_UPLOAD + """
def test_a_uploads_and_adds_a_fault(feishu_mock):
    assert upload_all(feishu_mock.url, feishu_mock.tenant_access_token)["code"] == 0
    feishu_mock.fail_next("drive.media.upload_all", 1061045)
    assert len(feishu_mock.files()) == 1 and len(feishu_mock.requests()) == 1

def test_b_sees_a_fresh_world_on_the_same_server(feishu_mock):
    assert feishu_mock.files() == [] and feishu_mock.requests() == [] and feishu_mock.faults() == []
"""


def test_world_is_reset_before_each_test_on_one_server(pytester):
    pytester.makepyfile(UPLOAD_THEN_EXPECT_EMPTY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_feishu_mock_url_uses_the_running_emulator_and_starts_none(pytester, feishu_mock, monkeypatch):
    monkeypatch.setenv("FEISHU_MOCK_URL", feishu_mock.url)
    monkeypatch.setenv("FEISHU_MOCK_BIN", "/nonexistent/feishu-mock")  # would fail if started
    pytester.makepyfile(
        f"""
def test_url(feishu_mock):
    assert feishu_mock.url == {feishu_mock.url!r}
    feishu_mock.add_to_world({{"drive": {{"nodes": [{{"token": "doxcnFromInner", "type": "docx"}}]}}}})
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    # The inner test ran against this very server: its own reset cleared this test's journal.
    assert feishu_mock.requests() == []


WORLD_APP_TEST = """
import json, urllib.request

def world_app_token(url):
    req = urllib.request.Request(url + "/open-apis/auth/v3/tenant_access_token/internal",
        data=json.dumps({"app_id": "cli_world_file", "app_secret": "s3cret"}).encode(), method="POST")
    body = json.loads(urllib.request.urlopen(req).read())
    assert body["code"] == 0, body
    return body["tenant_access_token"]

def test_the_world_files_app_gets_a_token(feishu_mock):
    world_app_token(feishu_mock.url)
"""


def write_world(pytester):
    world = {"apps": [{"app_id": "cli_world_file", "app_secret": "s3cret", "app_type": "custom",
                       "name": "from a world file", "scopes": ["drive:drive"]}]}
    return pytester.makefile(".json", world=json.dumps(world))


def test_feishu_mock_world_option_loads_the_world_file(pytester):
    path = write_world(pytester)
    pytester.makepyfile(WORLD_APP_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--feishu-mock-world={path}")
    result.assert_outcomes(passed=1)


def test_ini_keys_give_the_world_file_relative_to_the_ini_and_serve_flags(pytester):
    write_world(pytester)
    pytester.makeini("[pytest]\nfeishu_mock_world = world.json\nfeishu_mock_args = --seed 7 --loose\n")
    pytester.makepyfile(
        WORLD_APP_TEST
        + INNER_UPLOAD
        + """
def test_loose_flag_reached_the_server(feishu_mock):
    token = world_app_token(feishu_mock.url)
    assert upload_all(feishu_mock.url, token, "doccnCreatedOnFirstUse")["code"] == 0
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_bad_world_file_errors_every_test_with_the_binarys_message_and_no_hang(pytester):
    bad = pytester.makefile(".json", bad='{"apps": "not a list"}')
    pytester.makepyfile("def test_one(feishu_mock): pass\ndef test_two(feishu_mock): pass\n")
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--feishu-mock-world={bad}")
    assert time.monotonic() - started < 30
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["feishu-mock did not start*exited with status 2", "feishu-mock: cannot load world*bad.json*"]
    )


def test_a_port_in_use_errors_with_the_binarys_message(pytester):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        pytester.makepyfile("def test_one(feishu_mock): pass\n")
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", f"--feishu-mock-arg=--port {port}"
        )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*cannot bind 127.0.0.1:{port}*"])


def test_a_binary_that_never_prints_its_address_times_out_instead_of_hanging(tmp_path):
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\nexec sleep 60\n")
    silent.chmod(0o755)
    started = time.monotonic()
    try:
        Emulator(binary=str(silent), startup_timeout=1).start()
    except FeishuMockError as e:
        assert "no listening line within 1 s" in str(e)
    else:
        raise AssertionError("started")
    assert time.monotonic() - started < 10


def test_emulator_outside_the_fixture_starts_its_own_server_and_stops_it_on_exit(feishu_mock, tmp_path):
    log = tmp_path / "own.log"
    with Emulator(args=["--seed", "1"], log_path=str(log)) as own:
        assert own.url != feishu_mock.url
        assert own.health() == {"status": "ok"}
        url = own.url
    try:
        own.health()
    except FeishuMockError:
        pass
    else:
        raise AssertionError(f"{url} still answers after the with block")
