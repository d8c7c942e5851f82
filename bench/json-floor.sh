#!/usr/bin/env bash
# What one parse of the B2 body (specs/examples/progress_record.json: 2,000 bytes, ~280 JSON
# tokens) costs, in user-space instructions under valgrind's callgrind, by the JSON parsers the
# Rust ecosystem keeps and by feishu-mock's own reader:   bash bench/json-floor.sh
#
# Each parser parses the body N times in one process (bench/json-floor/src/main.rs says what
# each does); a run with N = 0 and one with N = 500 are taken apart, so start-up cancels out.
# It puts issue 24's instruction goal beside what parsing alone costs. Needs valgrind. Not part
# of `cargo test` or CI.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
command -v valgrind >/dev/null || { echo "valgrind is required (apt-get install valgrind)" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$ROOT/bench/json-floor/Cargo.toml" \
  --target-dir "$ROOT/target/json-floor"
BIN="$ROOT/target/json-floor/release/feishu-mock-json-floor"
N=500
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# instructions PARSER COUNT: the instructions of one run of BIN parsing COUNT times.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg" "$BIN" "$1" "$2" >/dev/null 2>"$WORK/log"
  grep -o 'summary: [0-9]*' "$WORK/cg" | cut -d' ' -f2
}

echo "| parser | instructions a parse of the B2 body |"
echo "|---|---|"
for parser in serde_json-ignored serde_json-value sonic-rs-ignored sonic-rs-value simd-json-tape \
  minimal-scan feishu-mock-skip feishu-mock-read; do
  none="$(instructions "$parser" 0)"
  many="$(instructions "$parser" "$N")"
  echo "| $parser | $(( (many - none) / N )) |"
done
