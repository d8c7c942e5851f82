"""Per-request breakdown of a B2 or B3 profile, from folded stacks (inferno-collapse-perf --kernel).

    python3 bench/breakdown.py FOLDED REQS_PER_SEC EVENT SECS [b2|b3]

B2 (the default) splits a progress record create into parse, walk, answer, record and the rest;
B3 splits a 1 MiB Drive upload_all into SHA-256, Adler-32, copies, the multipart reader, the
file record and the rest.

Each sample is put in one part of the job:
- a sample whose innermost frame is the allocator (mimalloc, __rust_alloc/dealloc) counts as
  allocation, whoever called it;
- a sample whose innermost frame is the kernel's counts as kernel (socket reads and writes,
  epoll, the scheduler);
- otherwise the innermost frame of feishu-mock's own code that matches a part below decides;
- what matches none is the HTTP exchange itself (hyper, tokio, the server's connection loop).

With EVENT cpu-clock each stack's weight is the ns of CPU its samples stand for, so µs of CPU per
request is a part's weight / 1000 / (REQS_PER_SEC × SECS); with another event (cycles) the server
is taken as busy all the time and a part gets its share of 1e6 / REQS_PER_SEC. REQS_PER_SEC is
what the load generator measured over the recording (perf's own cost slows the server, so it is
below the benchmark's figure). Used by bench/profile.sh.
"""

import re
import sys
from collections import Counter

# (part, pattern over one frame); the innermost matching frame wins, so order matters only
# between patterns that can match the same frame. The second spelling of a part is the module
# layout before issue 11 (cfb8a10 and earlier), so PROFILE_BEFORE compares like with like.
PARTS = [
    ("parse (sonic-rs)", re.compile(r"^sonic_rs::")),
    ("walk (spec rules over the parsed body)", re.compile(r"contract::json_body::|contract::spec::|endpoints::okr_pass::|feishu_mock::spec::")),
    ("answer (camelCase data, envelope, headers)",
     re.compile(r"rate_answer|serde_json::ser|(pipeline|app)::success_body|(pipeline|app)::finish|answered_number")),
    ("record (store, ids, retention)",
     re.compile(r"progress_record::keep_record|feishu_mock::state::|okr::OkrState|okr::world|endpoints::okr::keep_record|feishu_mock::(store|ids)::")),
    ("routing", re.compile(r"(pipeline|app)::route|(pipeline|app)::match_route|(pipeline|app)::percent_decode")),
    ("auth", re.compile(r"families::auth::|endpoints::auth::|app::authenticate")),
    ("quota", re.compile(r"control::quota::|feishu_mock::quota::")),
    ("journal and log", re.compile(r"(pipeline|app)::journal|feishu_mock::(control::)?journal::|(pipeline|app)::log_request|redact_tokens")),
    ("body read (collecting the request body)", re.compile(r"(pipeline|app)::extract|http_body_util::")),
    ("handler glue (progress_record_create, Ctx)", re.compile(r"progress_record::progress_record_create|families::Ctx|endpoints::okr::progress_record_create")),
]
# B3: a 1 MiB upload_all under --retain metadata. Copies are counted by their innermost frame
# (memmove/memcpy), whoever called them.
PARTS_B3 = [
    ("SHA-256 (sha2)", re.compile(r"^sha2::|sha256")),
    ("Adler-32 (adler2)", re.compile(r"^adler2?::|adler32")),
    ("multipart reader (multer, http::multipart)", re.compile(r"^multer::|http::multipart::|feishu_mock::multipart::")),
    ("record (store, ids, retention)",
     re.compile(r"feishu_mock::state::|families::drive::|endpoints::drive::|feishu_mock::(store|ids)::")),
    ("routing, auth, quota, journal", re.compile(r"(pipeline|app)::(route|match_route|journal|log_request)|families::auth::|control::quota::|control::journal::")),
]
COPY = re.compile(r"(memmove|memcpy)")
ALLOC = re.compile(r"^(_?mi_|mi_|__rust_alloc|__rust_dealloc|__rust_realloc|malloc|free|realloc|calloc|_rjem|alloc::alloc::)")
KERNEL = re.compile(r"_\[k\]$")
HTTP = "HTTP exchange (hyper, tokio, connection loop)"


def part_of(frames, scenario="b2"):
    leaf = frames[-1]
    if KERNEL.search(leaf):
        return "kernel (socket I/O, epoll, scheduling)"
    if ALLOC.search(leaf):
        return "allocation (mimalloc)"
    if scenario == "b3" and COPY.search(leaf):
        return "copies (memmove/memcpy, in user space)"
    for frame in reversed(frames):
        for name, pattern in (PARTS_B3 if scenario == "b3" else PARTS):
            if pattern.search(frame):
                return name
    return HTTP


def main():
    folded, rps, event, secs = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    scenario = sys.argv[5] if len(sys.argv) > 5 else "b2"
    parts = Counter()
    total = 0
    with open(folded) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            total += n
            parts[part_of(stack.split(";"), scenario)] += n
    if total == 0:
        sys.exit("no samples")
    if event == "cpu-clock":
        cpu_s = total / 1e9
        us_per_req = cpu_s * 1e6 / (rps * secs)
        busy = f"{cpu_s / secs:.0%} of one core busy"
    else:
        us_per_req = 1e6 / rps
        busy = "one core taken as busy"
    print(f"{scenario.upper()} profile ({event}): {secs:g} s, {busy}, {rps:,.0f} req/s under perf, "
          f"so {us_per_req:.1f} µs of CPU per request")
    print(f"{'part of the job':<48} {'share':>6} {'µs/req':>7}")
    for name, n in parts.most_common():
        share = n / total
        print(f"{name:<48} {share:>6.1%} {share * us_per_req:>7.2f}")


if __name__ == "__main__":
    main()
