#!/usr/bin/env python3
"""Burst memory check (issue 12 item 5): is memory held by in-flight bodies bounded, and given
back after the burst? Against a feishu-mock on 127.0.0.1 only.

    python3 bench/burst.py --binary target/release/feishu-mock [--retain bytes|metadata]

It starts the binary on a free loopback port and sends, one after the other, the issue's
bursts:

1. `project-refused`: 8 concurrent 100 MiB Project work-item uploads (at the part limit) whose
   text part after the file names a field that does not exist, so they are refused only at the
   body's end, by the handler;
2. `project-cut`: the same 8 bodies one byte short of their Content-Length, then half-closed
   (refused at their end as truncated);
3. `stalled`: 20 Drive upload_all bodies of 20 MiB sent whole but for their last byte, then
   silent until the server's body-idle timeout (30 s) closes them;
4. `task-over`: 4 concurrent chunked Task uploads of 60 MiB (limit 50 MiB), refused once the
   part crosses its limit, the rest drained.

For each it prints the server's RSS (VmRSS, MiB) before the burst, its peak during the burst
(sampled every 50 ms) and 10 s after the last request of the burst ended. Not run by CI; a
run takes about a minute and a half per round (`--rounds`). Stdlib only; every loop is bounded and stops by itself.
"""

import argparse
import json
import os
import socket
import subprocess
import threading
import time

TENANT = "t-43b270c035ddffdcf79c9eb548d06318ca4abcef"
USER_KEY = "7000000000000000001"
BOUNDARY = "---burstBoundary7MA4YWxkTrZu0gW"
MIB = 1024 * 1024
PROJECT_PATH = "/open_api/68382b399de4b0ec6c5a0001/work_item/story/6437110001/file/upload"


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def part(name, filename, body):
    cd = f'Content-Disposition: form-data; name="{name}"'
    if filename:
        cd += f'; filename="{filename}"'
    return f"--{BOUNDARY}\r\n{cd}\r\n\r\n".encode() + body + b"\r\n"


def head(path, headers, length=None):
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1",
             f"Content-Type: multipart/form-data; boundary={BOUNDARY}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {length}" if length is not None
                 else "Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock, timeout):
    """Reads until the server closes, the answer's JSON body has come, or `timeout`; returns
    the HTTP status and the Feishu code (or what happened instead)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            got = sock.recv(65536)
            if not got:
                break
            data += got
            if b"\r\n\r\n" in data and data.rstrip().endswith(b"}"):
                break
    except OSError as e:
        if not data:
            return f"({type(e).__name__})"
    if not data:
        return "(closed)"
    status = data.split(b"\r\n", 1)[0].split(b" ")[1].decode()
    try:
        body = json.loads(data.split(b"\r\n\r\n", 1)[1])
        code = body.get("code", body.get("err_code"))
    except ValueError:
        code = "?"
    return f"{status} {code}"


def send_body(port, head_bytes, chunks, end, timeout=90):
    """Sends `head_bytes` then `chunks`, then ends as `end` says: 'read' waits for the answer,
    'half-close' shuts the write side first, 'stall' sends nothing more until the server
    answers or closes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(head_bytes)
        for c in chunks:
            try:
                sock.sendall(c)
            except OSError:
                break
        if end == "half-close":
            sock.shutdown(socket.SHUT_WR)
        return read_answer(sock, timeout)
    finally:
        sock.close()


def plugin_token(port):
    body = b'{"plugin_id":"MII_MOCK_PLUGIN","plugin_secret":"mock-plugin-secret","type":0}'
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"POST /open_api/authen/plugin_token HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\nConnection: close\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    data = b""
    while True:
        got = sock.recv(65536)
        if not got:
            break
        data += got
    sock.close()
    return json.loads(data.split(b"\r\n\r\n", 1)[1])["data"]["token"]


def file_chunks(total, step=MIB):
    block = os.urandom(step)
    sent = 0
    while sent < total:
        n = min(step, total - sent)
        yield block[:n]
        sent += n


def project_body(file_bytes):
    pre = part("file", "big.bin", b"")[:-2]  # the part's head, without its closing CRLF
    post = b"\r\n" + part("field_key", None, b"field_missing") + f"--{BOUNDARY}--\r\n".encode()
    return pre, post, len(pre) + file_bytes + len(post)


def burst_project(port, token, cut):
    pre, post, length = project_body(100 * MIB)
    h = head(PROJECT_PATH, {"X-PLUGIN-TOKEN": token, "X-USER-KEY": USER_KEY}, length)

    def chunks():
        yield pre
        yield from file_chunks(100 * MIB)
        yield post[:-1] if cut else post

    return [lambda: send_body(port, h, chunks(), "half-close" if cut else "read")
            for _ in range(8)]


def burst_stalled(port):
    pre = (part("file_name", None, b"big.bin") + part("parent_type", None, b"doc_file")
           + part("parent_node", None, b"doccnFivLCfJfblZjGZtxgabcef")
           + part("size", None, str(20 * MIB).encode()) + part("file", "big.bin", b"")[:-2])
    post = b"\r\n" + f"--{BOUNDARY}--\r\n".encode()
    length = len(pre) + 20 * MIB + len(post)
    h = head("/open-apis/drive/v1/medias/upload_all", {"Authorization": f"Bearer {TENANT}"},
             length)

    def chunks():
        yield pre
        yield from file_chunks(20 * MIB)
        yield post[:-1]

    return [lambda: send_body(port, h, chunks(), "stall") for _ in range(20)]


def burst_task(port):
    h = head("/open-apis/task/v2/attachments/upload", {"Authorization": f"Bearer {TENANT}"})

    def chunked(b):
        return f"{len(b):x}\r\n".encode() + b + b"\r\n"

    def chunks():
        yield chunked(part("resource_id", None, b"fe96108d-b004-4a47-b2f8-6886e758b3a5"))
        yield chunked(part("file", "big.bin", b"")[:-2])
        for c in file_chunks(60 * MIB):
            yield chunked(c)
        yield chunked(b"\r\n" + f"--{BOUNDARY}--\r\n".encode())
        yield b"0\r\n\r\n"

    return [lambda: send_body(port, h, chunks(), "read") for _ in range(4)]


def measure(pid, name, jobs, settle=10):
    before = rss_mib(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    answers = [None] * len(jobs)

    def run(i):
        answers[i] = jobs[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    took = time.monotonic() - started
    time.sleep(settle)
    done.set()
    sampler.join()
    after = rss_mib(pid)
    statuses = sorted(set(a or "(none)" for a in answers))
    print(f"{name:16} before {before:7.1f}  peak {peak[0]:7.1f}  +{settle} s {after:7.1f} MiB"
          f"  ({took:.1f} s; answers: {', '.join(statuses)})", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/feishu-mock")
    ap.add_argument("--retain", default="bytes", choices=["bytes", "metadata"])
    ap.add_argument("--rounds", type=int, default=1,
                    help="send the four bursts this many times (a residue that grows per "
                    "round is a leak; one that stays is the allocator's cache)")
    ap.add_argument("--settle", type=int, default=10,
                    help="seconds after a burst before RSS is read again (issue 12: 10)")
    args = ap.parse_args()
    proc = subprocess.Popen([args.binary, "serve", "--port", "0", "--host", "127.0.0.1",
                             "--log-format", "off", "--no-rate-limits", "--retain",
                             args.retain], stdout=subprocess.PIPE)
    try:
        line = proc.stdout.readline().decode().strip()
        port = int(line.rsplit(":", 1)[-1].strip("/"))
        time.sleep(0.5)
        token = plugin_token(port)
        print(f"retain {args.retain}; RSS after start {rss_mib(proc.pid):.1f} MiB", flush=True)
        for _ in range(max(1, min(args.rounds, 10))):
            measure(proc.pid, "project-refused", burst_project(port, token, cut=False), args.settle)
            measure(proc.pid, "project-cut", burst_project(port, token, cut=True), args.settle)
            measure(proc.pid, "stalled", burst_stalled(port), args.settle)
            measure(proc.pid, "task-over", burst_task(port), args.settle)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
