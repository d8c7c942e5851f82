#!/usr/bin/env python3
"""Soak test (issue 12): mixed valid and invalid traffic on every endpoint at a fixed rate, in
each retention mode with its caps, against a feishu-mock on 127.0.0.1 only.

    python3 bench/soak.py --binary target/release/feishu-mock [--secs 600] [--rate 200]

For each mode it starts the binary on a free loopback port with small caps (so that the caps
are reached and held during the run), sends requests for --secs seconds at --rate requests per
second from a few threads, samples the server's RSS every second, and checks that

- every answer is a documented one (the endpoint's codes from specs/, the platform's, or the
  control plane's 200/400), and
- RSS sampled every second stays within 10 % of its value after the first minute (after the
  first fifth of the run when --secs < 300).

It prints an ASCII plot of RSS per mode and exits non-zero when a check fails. Not run by CI:
it takes 2 × --secs. Stdlib only. The loops are bounded in time and stop by themselves.
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TENANT = "t-43b270c035ddffdcf79c9eb548d06318ca4abcef"
USER_KEY = "7000000000000000001"
BOUNDARY = "---soakBoundary7MA4YWxkTrZu0gW"
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64


def documented_codes():
    """code sets per endpoint spec name, plus the platform's."""
    codes = {}
    for name in os.listdir(os.path.join(ROOT, "specs")):
        if not name.endswith(".json") or name in ("platform.json", "world.json"):
            continue
        spec = json.load(open(os.path.join(ROOT, "specs", name)))
        codes[spec["name"]] = {e["code"] for e in spec.get("errors", [])} | {0}
    platform = json.load(open(os.path.join(ROOT, "specs", "platform.json")))
    common = {e["code"] for k in ("open", "auth", "project") for e in platform[k]}
    return codes, common


def form(parts):
    out = b""
    for name, filename, body in parts:
        cd = f'Content-Disposition: form-data; name="{name}"'
        if filename:
            cd += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\n{cd}\r\n\r\n".encode() + body + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def drive(valid):
    data = os.urandom(random.randint(1, 8192))
    size = len(data) if valid else len(data) + 1
    return ("drive.media.upload_all", "POST", "/open-apis/drive/v1/medias/upload_all",
            {"Authorization": f"Bearer {TENANT}", "Content-Type": MULTIPART},
            form([("file_name", None, b"soak.bin"), ("parent_type", None, b"doc_file"),
                  ("parent_node", None, b"doccnFivLCfJfblZjGZtxgabcef"),
                  ("size", None, str(size).encode()), ("file", "soak.bin", data)]))


def okr_image(valid):
    data = PNG if valid else b"not an image"
    return ("okr.image.upload", "POST", "/open-apis/okr/v1/images/upload",
            {"Authorization": f"Bearer {TENANT}", "Content-Type": MULTIPART},
            form([("data", "a.png", data), ("target_id", None, b"6974586812998174252"),
                  ("target_type", None, b"2")]))


def progress(valid):
    body = {"source_title": "soak", "source_url": "https://example.com" if valid else "ftp://x",
            "target_id": "6974586812998174252", "target_type": 2,
            "content": {"blocks": [{"type": "paragraph", "paragraph": {"elements": [
                {"type": "textRun", "textRun": {"text": "x" * random.randint(1, 512)}}]}}]}}
    ct = "application/json; charset=utf-8" if valid or random.random() < 0.5 else "application/xml"
    return ("okr.progress_record.create", "POST", "/open-apis/okr/v1/progress_records",
            {"Authorization": f"Bearer {TENANT}", "Content-Type": ct}, json.dumps(body).encode())


def task(valid):
    rid = b"fe96108d-b004-4a47-b2f8-6886e758b3a5" if valid else b""
    return ("task.attachment.upload", "POST", "/open-apis/task/v2/attachments/upload",
            {"Authorization": f"Bearer {TENANT}", "Content-Type": MULTIPART},
            form([("resource_id", None, rid), ("file", "a.txt", os.urandom(random.randint(1, 4096)))]))


def project(valid, token):
    field = b"field_attachment" if valid else b"field_missing"
    return ("project.work_item.file.upload", "POST",
            "/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/upload",
            {"X-PLUGIN-TOKEN": token, "X-USER-KEY": USER_KEY, "Content-Type": MULTIPART},
            form([("field_key", None, field), ("file", "a.txt", os.urandom(random.randint(1, 4096)))]))


def plugin_token(valid):
    body = b'{"plugin_id":"MII_MOCK_PLUGIN","plugin_secret":"mock-plugin-secret","type":0}'
    return ("project.work_item.file.upload", "POST", "/open_api/authen/plugin_token",
            {"Content-Type": "application/json"}, body if valid else b"not json")


def tenant_token(valid):
    body = b'{"app_id":"cli_mock","app_secret":"' + (b"mock-secret" if valid else b"x") + b'"}'
    return ("auth", "POST", "/open-apis/auth/v3/tenant_access_token/internal", {}, body)


def bad_token(valid):
    return ("drive.media.upload_all", "POST", "/open-apis/drive/v1/medias/upload_all",
            {"Authorization": "Bearer t-unknown", "Content-Type": MULTIPART}, form([]))


def control(valid):
    path = random.choice(["/__mock/files?page_size=50", "/__mock/requests?page_size=50",
                          "/__mock/health", "/__mock/files?page_size=0"])
    return ("control", "GET", path, {}, None)


def code_of(body):
    try:
        j = json.loads(body)
    except ValueError:
        return None
    if "code" in j:
        return j["code"]
    if "err_code" in j:
        return j["err_code"]
    if isinstance(j.get("error"), dict):
        return j["error"].get("code")
    return "control" if "error" in j or "files" in j or "requests" in j or "status" in j else None


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_mode(binary, mode, secs, rate, codes, common):
    args = [binary, "serve", "--port", "0", "--host", "127.0.0.1", "--log-format", "off",
            "--no-rate-limits", "--retain", mode, "--max-stored-objects", "2000",
            "--max-stored-bytes", str(8 * 1024 * 1024), "--journal-limit", "1000",
            "--max-issued-tokens", "5000"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE)
    line = proc.stdout.readline().decode().strip()
    host, port = line.rsplit("/", 1)[-1].split(":")
    port = int(port)
    bad = []
    counts = {}
    stop = time.monotonic() + secs
    lock = threading.Lock()
    token = {"p": ""}

    def send(req):
        endpoint, method, path, headers, body = req
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read()
            return resp.status, code_of(text), text
        finally:
            conn.close()

    status, _, text = send(plugin_token(True))
    token["p"] = json.loads(text)["data"]["token"]

    makers = [drive, okr_image, progress, task, lambda v: project(v, token["p"]),
              plugin_token, tenant_token, bad_token, control]

    def worker(share):
        interval = share / rate
        next_at = time.monotonic()
        while time.monotonic() < stop:
            valid = random.random() < 0.7
            maker = random.choice(makers)
            req = maker(valid)
            try:
                status, code, text = send(req)
            except OSError as e:
                with lock:
                    bad.append((req[2], "transport", str(e)))
                continue
            endpoint = req[0]
            ok = (code == "control" or (endpoint == "control" and status in (200, 400))
                  or code in common or code in codes.get(endpoint, set())
                  or (endpoint == "auth" and code in (0, 10003)))
            with lock:
                counts[(endpoint, status, code)] = counts.get((endpoint, status, code), 0) + 1
                if not ok:
                    bad.append((req[2], status, text[:200]))
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    threads = [threading.Thread(target=worker, args=(4,)) for _ in range(4)]
    for t in threads:
        t.start()
    samples = []
    start = time.monotonic()
    while time.monotonic() < stop:
        samples.append(rss_kib(proc.pid))
        time.sleep(max(0.0, start + len(samples) - time.monotonic()))
    for t in threads:
        t.join()
    proc.terminate()
    proc.wait(timeout=10)
    return samples, counts, bad


def plot(samples, width=60, height=10):
    if not samples:
        return ""
    step = max(1, len(samples) // width)
    cols = [max(samples[i:i + step]) for i in range(0, len(samples), step)][:width]
    lo, hi = min(cols), max(cols)
    span = max(hi - lo, 1)
    rows = []
    for r in range(height, -1, -1):
        level = lo + span * r / height
        row = "".join("#" if c >= level else " " for c in cols)
        rows.append(f"{level / 1024:8.1f} MiB |{row}")
    rows.append(" " * 13 + "+" + "-" * len(cols))
    rows.append(" " * 14 + f"0 s{' ' * (len(cols) - 8)}{len(samples)} s")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "feishu-mock"))
    ap.add_argument("--secs", type=int, default=600)
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--modes", default="bytes,metadata")
    a = ap.parse_args()
    codes, common = documented_codes()
    failed = False
    for mode in a.modes.split(","):
        samples, counts, bad = run_mode(a.binary, mode, a.secs, a.rate, codes, common)
        settle = min(60, max(1, a.secs // 5))
        base = samples[settle] if len(samples) > settle else samples[-1]
        later = samples[settle:] or samples
        drift = max(abs(s - base) for s in later) / max(base, 1)
        total = sum(counts.values())
        print(f"== --retain {mode}: {total} requests in {a.secs} s, "
              f"RSS after {settle} s {base / 1024:.1f} MiB, max drift {drift * 100:.1f} %, "
              f"undocumented answers {len(bad)}")
        print(plot(samples))
        for (endpoint, status, code), n in sorted(counts.items(), key=lambda kv: -kv[1])[:12]:
            print(f"   {n:7d}  {endpoint} HTTP {status} code {code}")
        for b in bad[:5]:
            print("   UNDOCUMENTED:", b)
        if drift > 0.10 or bad:
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
