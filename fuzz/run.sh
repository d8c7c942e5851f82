#!/usr/bin/env bash
# fuzz/run.sh — bounded cargo-fuzz runs of this repo's fuzz targets, one at a time.
#
# Usage: bash fuzz/run.sh [TARGET...]      (from any directory; no TARGET = all, in fuzz/Cargo.toml order)
#
# - Installs cargo-fuzz 0.13.2 (pinned, --locked) into <repo>/target/fuzz-tools when that copy is
#   missing or reports another version, and always runs that copy, never a cargo-fuzz on PATH.
# - cargo-fuzz needs nightly features: RUSTC_BOOTSTRAP=1 enables them on the stable toolchain
#   (as docs/src/fuzzing.md documents); set FUZZ_TOOLCHAIN to build with `cargo +$FUZZ_TOOLCHAIN` instead.
# - Runs each target for FUZZ_SECS seconds, stops at the first crash (or build failure), and prints
#   one summary line per target: target, fuzzing seconds (wall seconds incl. build), the run count
#   libFuzzer reported, and ok / CRASH <artifact under fuzz/artifacts/<target>/>.
#   Full output of each run: fuzz/target/run-logs/<target>.log (fuzz/target is git-ignored).
#
# Knobs (environment):
#   FUZZ_SECS=60          libFuzzer -max_total_time per target
#   FUZZ_SANITIZER=none   cargo fuzz --sanitizer: none (fast; the crate has no unsafe) or address (ASan), ...
#   FUZZ_TOOLCHAIN=       e.g. nightly: build with that rustup toolchain (what `cargo +nightly` does)
#                         instead of the default one
#
# Exit status: 0 if every target ran clean, 1 on a crash or failure, 2 on a usage/setup error.
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$FUZZ_DIR")"
TOOLS="$REPO/target/fuzz-tools"
FUZZ_BIN="$TOOLS/bin/cargo-fuzz"
SECS="${FUZZ_SECS:-60}"
SANITIZER="${FUZZ_SANITIZER:-none}"
TOOLCHAIN="${FUZZ_TOOLCHAIN:-}"
LOG_DIR="$FUZZ_DIR/target/run-logs"

die() { echo "fuzz/run.sh: $*" >&2; exit 2; }

if ! command -v cargo >/dev/null 2>&1; then
    die "cargo not found on PATH: install Rust (https://rustup.rs) first, then rerun."
fi
if [[ -n "$TOOLCHAIN" ]] && ! command -v rustup >/dev/null 2>&1; then
    die "FUZZ_TOOLCHAIN=$TOOLCHAIN needs rustup, which is not on PATH."
fi
[[ "$SECS" =~ ^[0-9]+$ ]] || die "FUZZ_SECS must be a whole number of seconds, got '$SECS'."

# Targets, in the order fuzz/Cargo.toml declares them ([[bin]] name = "...").
mapfile -t ALL_TARGETS < <(awk '/^\[\[bin\]\]/ {b=1; next} b && /^name *=/ {gsub(/.*= *"|".*/, ""); print; b=0}' "$FUZZ_DIR/Cargo.toml")
[[ ${#ALL_TARGETS[@]} -gt 0 ]] || die "no [[bin]] targets found in $FUZZ_DIR/Cargo.toml"
if [[ $# -gt 0 ]]; then
    TARGETS=("$@")
    for t in "${TARGETS[@]}"; do
        [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || die "unknown target '$t' (known: ${ALL_TARGETS[*]})"
    done
else
    TARGETS=("${ALL_TARGETS[@]}")
fi

# 1. The pinned cargo-fuzz.
installed_version() { "$FUZZ_BIN" --version 2>/dev/null | awk '{print $2}' || true; }
if [[ ! -x "$FUZZ_BIN" || "$(installed_version)" != "$CARGO_FUZZ_VERSION" ]]; then
    echo "fuzz/run.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION into $TOOLS ..." >&2
    start=$SECONDS
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS"
    echo "fuzz/run.sh: cargo-fuzz installed in $((SECONDS - start)) s" >&2
    [[ "$(installed_version)" == "$CARGO_FUZZ_VERSION" ]] \
        || die "$FUZZ_BIN reports '$("$FUZZ_BIN" --version 2>&1 || true)', expected $CARGO_FUZZ_VERSION"
fi

# 2. How to call it: our binary directly, as cargo would (`cargo-fuzz fuzz ARGS`). Going through
# `cargo fuzz` would pick the first cargo-fuzz on PATH, or ~/.cargo/bin's when that is not on PATH.
# `cargo +X` (rustup) only sets RUSTUP_TOOLCHAIN=X for what it runs, so that is what we set; the
# `cargo` that cargo-fuzz spawns then builds with toolchain X.
export RUSTC_BOOTSTRAP=1 # needed on stable, harmless on nightly
if [[ -n "$TOOLCHAIN" ]]; then
    export RUSTUP_TOOLCHAIN="$TOOLCHAIN"
    cargo --version >/dev/null || die "toolchain '$TOOLCHAIN' is not usable (rustup toolchain install $TOOLCHAIN?)"
fi

# cargo-fuzz finds its project by walking up from the current directory to the first Cargo.toml
# that is not a cargo-fuzz manifest and taking its fuzz/; --fuzz-dir makes that explicit, and
# running from the repo root makes the paths it prints relative to it (fuzz/artifacts/...).
cd "$REPO"
mkdir -p "$LOG_DIR"

# 3. One bounded run per target.
status=0
for t in "${TARGETS[@]}"; do
    log="$LOG_DIR/$t.log"
    echo "fuzz/run.sh: === $t (${SECS}s, sanitizer $SANITIZER) — log $log" >&2
    start=$SECONDS
    set +e
    "$FUZZ_BIN" fuzz run --fuzz-dir "$FUZZ_DIR" --sanitizer "$SANITIZER" "$t" \
        -- -max_total_time="$SECS" 2>&1 | tee "$log" >&2
    rc=${PIPESTATUS[0]}
    set -e
    wall=$((SECONDS - start))

    # libFuzzer: "#449536	DONE   cov: ..." at the end, "#NNN	NEW|REDUCE|pulse ..." before.
    runs=$(grep -aoE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1 | grep -oE '[0-9]+' || true)
    [[ -n "$runs" ]] || runs=$(grep -aoE '^#[0-9]+[[:space:]]' "$log" | tail -n1 | grep -oE '[0-9]+' || true)
    fuzz_secs=$(grep -aoE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n1 | awk '{print $5}' || true)
    # cargo-fuzz prints "Failing input:\n\n\t<path>"; libFuzzer "Test unit written to <path>".
    artifact=$(grep -aA2 '^Failing input:' "$log" | tail -n1 | tr -d '\t' || true)
    [[ -n "$artifact" ]] || artifact=$(grep -aoE 'Test unit written to [^ ]+' "$log" | tail -n1 | awk '{print $5}' || true)

    if [[ $rc -eq 0 ]]; then
        verdict="ok"
    elif [[ -n "$artifact" ]]; then
        verdict="CRASH $artifact"
    else
        verdict="FAIL (exit $rc, no artifact: build error? see $log)"
    fi
    printf '%-24s %5ss (wall %4ss)  runs %-10s %s\n' "$t" "${fuzz_secs:-?}" "$wall" "${runs:-?}" "$verdict"
    if [[ $rc -ne 0 ]]; then
        status=1
        echo "fuzz/run.sh: stopping at $t; reproduce with: RUSTC_BOOTSTRAP=1 $FUZZ_BIN fuzz run --sanitizer $SANITIZER $t ${artifact:-<artifact>} (from $REPO)" >&2
        break
    fi
done
exit "$status"
