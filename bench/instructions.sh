#!/usr/bin/env bash
# Counts what one B2 request (progress record create, 2 KB JSON) costs the server, in figures a
# busy or noisy machine cannot move:   bash bench/instructions.sh [REV]
#
#   instructions   user-space instructions a request, under valgrind's callgrind: a server that
#                  answered N requests against one that answered 3N, the difference over 2N (so
#                  start-up and shutdown cancel out);
#   syscalls       system calls a request, under `strace -f -c` (20 000 requests, 32 connections).
#
# With REV (a git revision), the same figures for feishu-mock built at REV (as bench/run.sh's
# BENCH_BEFORE builds it, into target/bench-before), so a change can be judged by its cost when
# timed runs disagree (bench/run.sh takes turns, but two cores shared with a compiler still move
# its medians by 10 % and more). Both servers run with the benchmark's lean flags and keep
# record content (`--retain bytes`, the default).
#
# Knobs: INSTR_REQUESTS (1000: N above), INSTR_SYSCALL_REQUESTS (20000). Needs valgrind, strace,
# curl and oha (installed by bench/run.sh into target/bench-tools). Not part of `cargo test`/CI.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
REV="${1:-}"
N="${INSTR_REQUESTS:-1000}"
SYS_N="${INSTR_SYSCALL_REQUESTS:-20000}"
OHA="$ROOT/target/bench-tools/bin/oha"
TOKEN="t-43b270c035ddffdcf79c9eb548d06318ca4abcef"
BODY="$ROOT/specs/examples/progress_record.json"
PATH_B2="/open-apis/okr/v1/progress_records"
LEAN=(--no-rate-limits --log-format off --journal-limit 0)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

for tool in valgrind strace curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is required (apt-get install $tool)" >&2; exit 1; }
done
[ -x "$OHA" ] || { echo "oha is missing: run bench/run.sh once (it installs oha)" >&2; exit 1; }

cargo build --release --quiet
BINS=("now=$ROOT/target/release/feishu-mock")
if [ -n "$REV" ]; then
  rm -rf "$ROOT/target/bench-before/src"
  git worktree prune
  git worktree add --detach --force "$ROOT/target/bench-before/src" "$REV" >&2
  cargo build --release --quiet --manifest-path "$ROOT/target/bench-before/src/Cargo.toml" \
    --target-dir "$ROOT/target/bench-before/target"
  BINS+=("$REV=$ROOT/target/bench-before/target/release/feishu-mock")
fi

# free_port: a TCP port nobody listens on.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# serve_and_load OUT N CONNS BIN WRAPPER...: starts BIN under WRAPPER, waits for it, sends one
# health check and N B2 requests over CONNS connections, stops the server with SIGTERM (a clean exit, so the wrapper
# writes its report) and checks that all N were answered 200.
serve_and_load() {
  local out="$1" n="$2" conns="$3" bin="$4"; shift 4
  local port; port="$(free_port)"
  "$@" "$bin" serve --port "$port" "${LEAN[@]}" > "$out.server" 2>&1 &
  local wrapper=$!
  local up=""
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/__mock/health" && { up=1; break; }
    sleep 0.1
  done
  [ -n "$up" ] || { echo "server did not start: $bin" >&2; cat "$out.server" >&2; exit 1; }
  "$OHA" --no-tui --output-format json -n "$n" -c "$conns" -m POST \
    -H "Authorization: Bearer $TOKEN" -T application/json -D "$BODY" \
    "http://127.0.0.1:$port$PATH_B2" > "$out.oha" 2>/dev/null
  pkill -TERM -f "$bin serve --port $port" || true
  wait "$wrapper" || true
  python3 - "$out.oha" "$n" <<'PY'
import json, sys
codes = json.load(open(sys.argv[1])).get("statusCodeDistribution", {})
if codes != {"200": int(sys.argv[2])}:
    sys.exit(f"expected {sys.argv[2]} answers of 200, got {codes}")
PY
}

echo "| build | user-space instructions a B2 request | system calls a B2 request |"
echo "|---|---|---|"
for entry in "${BINS[@]}"; do
  name="${entry%%=*}"; bin="${entry#*=}"
  counts=()
  for n in "$N" "$((3 * N))"; do
    serve_and_load "$WORK/cg.$n" "$n" 8 "$bin" valgrind --tool=callgrind \
      --callgrind-out-file="$WORK/cg.$n.out"
    counts+=("$(grep -o 'Collected : [0-9]*' "$WORK/cg.$n.server" | grep -o '[0-9]*$')")
  done
  serve_and_load "$WORK/st" "$SYS_N" 32 "$bin" strace -f -c -o "$WORK/st.out"
  python3 - "${counts[0]}" "${counts[1]}" "$N" "$WORK/st.out" "$SYS_N" "$name" <<'PY'
import sys
small, large, n, strace_out, sys_n, name = sys.argv[1:]
per_request = (int(large) - int(small)) / (2 * int(n))
calls = {}
for line in open(strace_out):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        calls[f[-1]] = int(f[3])
busy = sorted(((c / int(sys_n), s) for s, c in calls.items() if c / int(sys_n) >= 0.05), reverse=True)
shown = ", ".join(f"{s} {c:.2f}" for c, s in busy)
print(f"| {name} | {per_request / 1000:,.1f} k | {shown} |")
PY
done
