#!/usr/bin/env python3
"""Peak RSS of `feishu-mock record` while a 100 MB upload streams through it (issue 26).

usage: python3 bench/record_rss.py [BINARY] [MEGABYTES]
  BINARY     the feishu-mock binary (default target/release/feishu-mock)
  MEGABYTES  size of the uploaded file part (default 100)

Loopback only. The upstream is a sink written here (it reads the body in 1 MiB pieces, counts
them and answers a Feishu-shaped JSON), so that the proxy's memory is measured, not an
emulator's limits. The client streams a multipart body (one file part, no file name, like the
Python SDK) in 1 MiB writes with a Content-Length. Prints the proxy's VmHWM (peak RSS) before
and after, and the recording's exchange file size.
"""
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/feishu-mock"
MB = int(sys.argv[2]) if len(sys.argv) > 2 else 100
CHUNK = 1 << 20


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        left = int(self.headers.get("Content-Length") or 0)
        got = 0
        while left > 0:
            piece = self.rfile.read(min(CHUNK, left))
            if not piece:
                break
            got += len(piece)
            left -= len(piece)
        body = json.dumps({"code": 0, "msg": "success", "data": {"received": got}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{sink.server_address[1]}"
    out = tempfile.mkdtemp(prefix="record-rss-")
    rec_dir = os.path.join(out, "rec")
    port = free_port()
    proxy = subprocess.Popen(
        [BINARY, "record", "--out", rec_dir, "--port", str(port),
         "--open-upstream", upstream, "--project-upstream", upstream],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            line = proxy.stdout.readline().decode()
            if "listening" in line:
                break
        before = hwm_kib(proxy.pid)
        boundary = "bench-boundary-26"
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\nbig.bin\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = MB * 1_000_000
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        conn.putrequest("POST", "/open-apis/drive/v1/medias/upload_all")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Authorization", "Bearer t-bench")
        conn.putheader("Content-Length", str(len(head) + size + len(tail)))
        conn.endheaders()
        started = time.time()
        conn.send(head)
        block = b"\x07" * CHUNK
        sent = 0
        while sent < size:
            n = min(CHUNK, size - sent)
            conn.send(block[:n])
            sent += n
        conn.send(tail)
        answer = json.loads(conn.getresponse().read())
        seconds = time.time() - started
        time.sleep(0.5)
        after = hwm_kib(proxy.pid)
        files = os.listdir(os.path.join(rec_dir, "exchanges"))
        ex_size = sum(os.path.getsize(os.path.join(rec_dir, "exchanges", f)) for f in files)
        print(json.dumps({
            "upload_bytes": size,
            "upstream_received": answer["data"]["received"],
            "seconds": round(seconds, 2),
            "proxy_vmhwm_kib_before": before,
            "proxy_vmhwm_kib_after": after,
            "exchange_files": len(files),
            "exchange_bytes": ex_size,
        }, indent=2))
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        sink.shutdown()


if __name__ == "__main__":
    main()
