#!/usr/bin/env bash
# Profiles B2 (progress record create, 2 KB JSON, 32 keep-alive connections) the way issue 18
# asks:   bash bench/profile.sh
# or B3 (Drive upload_all of 1 MiB with its Adler-32, 4 connections, `--retain metadata`):
#         PROFILE_SCENARIO=b3 bash bench/profile.sh
#
# Builds feishu-mock in release with frame pointers and line tables (target/profile, so the
# benchmark's own build is untouched), starts it pinned to core 0 with the benchmark's lean
# flags, drives it from core 1 with oha (installed by bench/run.sh), and records the pinned
# server with `perf record -g` (cpu-clock where the machine has no hardware counters). Writes:
#   target/bench/b2.perf.data     the raw profile (b3.* for B3)
#   target/bench/b2.folded        folded stacks (inferno-collapse-perf)
#   target/bench/b2.svg           a flamegraph (inferno-flamegraph)
#   target/bench/b2.breakdown.txt the per-request breakdown: share of the server's samples and
#                                 µs of CPU per request, by part of the job (bench/breakdown.py)
# inferno is installed from crates.io into target/bench-tools (pinned, once); perf is Debian's
# linux-perf (installed with apt-get when missing and run as root).
#
# Knobs: PROFILE_SCENARIO (b2 or b3), PROFILE_SECS (10), PROFILE_FREQ (499 Hz: perf's own cost grows with it, and at 2 kHz it
# halved the server's rate here), PROFILE_RETAIN ("" or "metadata"), PROFILE_BEFORE (a git
# revision: also builds it the same way into target/bench-before/profile and profiles it right
# after, so the two breakdowns compare like with like).
# Not part of `cargo test` or CI.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SECS="${PROFILE_SECS:-10}"
FREQ="${PROFILE_FREQ:-499}"
BEFORE_REV="${PROFILE_BEFORE:-}"
RETAIN="${PROFILE_RETAIN:-}"
SCENARIO="${PROFILE_SCENARIO:-b2}"
TOOLS="$ROOT/target/bench-tools"
OHA="$TOOLS/bin/oha"
INFERNO_VERSION="0.12.8"
OUT="$ROOT/target/bench"
TOKEN="t-43b270c035ddffdcf79c9eb548d06318ca4abcef"
BODY="$ROOT/specs/examples/progress_record.json"
PATH_B2="/open-apis/okr/v1/progress_records"
mkdir -p "$OUT"
say() { echo "== $*" >&2; }
case "$SCENARIO" in
  b2) CONNS=32; CTYPE=application/json; LOAD_PATH="$PATH_B2" ;;
  b3)
    # The body bench/run.sh's B3 sends, made by its benchkit; the emulator keeps metadata only,
    # as in B3, with the byte cap lifted as there.
    cargo build --release --quiet --manifest-path bench/Cargo.toml --target-dir target
    BODY="$OUT/drive_1m.body"
    CTYPE="$("$ROOT/target/release/benchkit" drive-body $((1024 * 1024)) "$BODY")"
    CONNS=4; LOAD_PATH="/open-apis/drive/v1/medias/upload_all"
    RETAIN=metadata ;;
  *) echo "PROFILE_SCENARIO is b2 or b3" >&2; exit 1 ;;
esac

[ -x "$OHA" ] || { echo "oha is missing: run bench/run.sh once (it installs oha)" >&2; exit 1; }
if ! command -v perf > /dev/null; then
  if command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf > /dev/null
  fi
  command -v perf > /dev/null || { echo "perf (Debian's linux-perf) cannot be had here" >&2; exit 1; }
fi
if ! cargo install --list --root "$TOOLS" 2> /dev/null | grep -qx "inferno v$INFERNO_VERSION:"; then
  say "installing inferno $INFERNO_VERSION into target/bench-tools (once)"
  cargo install --locked inferno --version "$INFERNO_VERSION" --root "$TOOLS" >&2
fi

# build_profiled MANIFEST TARGET_DIR: a release build with frame pointers and line tables.
build_profiled() {
  RUSTFLAGS="-C force-frame-pointers=yes" CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
    cargo build --release --quiet --manifest-path "$1" --target-dir "$2" --bin feishu-mock
}
say "building feishu-mock in release with frame pointers into target/profile"
build_profiled "$ROOT/Cargo.toml" "$ROOT/target/profile"
if [ -n "$BEFORE_REV" ]; then
  say "building feishu-mock at $BEFORE_REV the same way into target/bench-before/profile"
  rm -rf "$ROOT/target/bench-before/src"
  git worktree prune
  git worktree add --detach --force "$ROOT/target/bench-before/src" "$BEFORE_REV" >&2
  build_profiled "$ROOT/target/bench-before/src/Cargo.toml" "$ROOT/target/bench-before/profile"
fi

# profile TAG BIN: records BIN under B2 load and writes $OUT/TAG.{perf.data,folded,svg,breakdown.txt}.
profile() {
  local TAG="$1" BIN="$2"

  FLAGS=(serve --port 0 --no-rate-limits --log-format off --journal-limit 0)
  [ -n "$RETAIN" ] && FLAGS+=(--retain "$RETAIN")
  [ "$SCENARIO" = b3 ] && [ "$TAG" = "$SCENARIO" ] && FLAGS+=(--max-stored-bytes 1099511627776)
  LOG="$(mktemp)"
  taskset -c 0 "$BIN" "${FLAGS[@]}" > "$LOG" 2>&1 &
  PID=$!
  trap 'kill "$PID" 2> /dev/null || true' EXIT
  URL=""
  for _ in $(seq 1 500); do
    URL="$(grep -o 'http://[0-9.:]*' "$LOG" | head -n1 || true)"
    [ -n "$URL" ] && break
    sleep 0.01
  done
  [ -n "$URL" ] || { echo "server did not start" >&2; cat "$LOG" >&2; exit 1; }
  curl -s -X POST "$URL$LOAD_PATH" -H "Authorization: Bearer $TOKEN" -H "Content-Type: $CTYPE" \
    --data-binary "@$BODY" | grep -q '"code":0' || { echo "the sample request failed" >&2; exit 1; }

  ARGS=(--no-tui --output-format json -c "$CONNS" -m POST -H "Authorization: Bearer $TOKEN"
    -T "$CTYPE" -D "$BODY")
  taskset -c 1 "$OHA" "${ARGS[@]}" -z 1s "$URL$LOAD_PATH" > /dev/null
  say "recording the server for $SECS s at $FREQ Hz under $SCENARIO load"
  taskset -c 1 "$OHA" "${ARGS[@]}" -z "$((SECS + 2))s" "$URL$LOAD_PATH" > "$OUT/$TAG.oha.json" &
  LOAD=$!
  sleep 1
  EVENT=cpu-clock
  perf stat -e cycles -x, true 2>&1 | grep -q "not supported" || EVENT=cycles
  perf record -e "$EVENT" -F "$FREQ" -g -p "$PID" -o "$OUT/$TAG.perf.data" -- sleep "$SECS" 2> "$OUT/$TAG.perf.log"
  wait "$LOAD"
  REQS="$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["requestsPerSec"])' "$OUT/$TAG.oha.json")"
  kill "$PID"; wait "$PID" 2> /dev/null || true
  trap - EXIT

  perf script -i "$OUT/$TAG.perf.data" 2> /dev/null | "$TOOLS/bin/inferno-collapse-perf" --kernel > "$OUT/$TAG.folded"
  "$TOOLS/bin/inferno-flamegraph" --title "feishu-mock $TAG: $SCENARIO ($EVENT, $SECS s)" < "$OUT/$TAG.folded" > "$OUT/$TAG.svg"
  python3 "$ROOT/bench/breakdown.py" "$OUT/$TAG.folded" "$REQS" "$EVENT" "$SECS" "$SCENARIO" | tee "$OUT/$TAG.breakdown.txt"
  say "wrote $OUT/$TAG.folded, $OUT/$TAG.svg, $OUT/$TAG.breakdown.txt"
}

profile "$SCENARIO" "$ROOT/target/profile/release/feishu-mock"
[ -n "$BEFORE_REV" ] && profile "${SCENARIO}_before" "$ROOT/target/bench-before/profile/release/feishu-mock"
exit 0
