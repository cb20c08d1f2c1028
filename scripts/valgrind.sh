#!/usr/bin/env bash
# Usage: scripts/valgrind.sh [--cycles N] [--messages M] [--self-check]
#
# Runs examples/mem_cycles.rs (N create/produce/consume/destroy cycles through rkafka's API
# against librdkafka's in-process mock cluster; default 1,000 cycles of 10 messages) under
# valgrind memcheck, and fails on:
#   - any "definitely lost" block (--errors-for-leak-kinds=definite), and
#   - any memcheck error: invalid read/write, use of uninitialised values, bad free, ...
# valgrind's --error-exitcode turns either into a non-zero exit. No suppressions are used: the
# run is clean without them (librdkafka's and OpenSSL's one-time allocations are freed at
# exit or are still reachable, which is not an error).
#
# --self-check runs 3 cycles with --leak-on-purpose (one 4 KiB allocation lost) and expects
# the check to fail, showing that it can.
#
# Needs valgrind (Debian: apt-get install valgrind). The full log goes to
# target/valgrind/mem_cycles.log. Not part of `cargo test` (about 1.5 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

cycles=1000
messages=10
self_check=0
while (($#)); do
    case "$1" in
    --cycles) cycles="$2"; shift 2 ;;
    --messages) messages="$2"; shift 2 ;;
    --self-check) self_check=1; shift ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done

command -v valgrind >/dev/null || {
    echo "valgrind.sh: valgrind is missing (Debian: apt-get install valgrind)" >&2
    exit 1
}

# The debug profile: full line numbers in rkafka's frames.
cargo build --quiet --example mem_cycles
target="${CARGO_TARGET_DIR:-target}"
bin=$target/debug/examples/mem_cycles
mkdir -p "$target/valgrind"
log=$target/valgrind/mem_cycles.log

run() {
    valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=40 \
        --log-file="$log" "$bin" "$@"
}

if ((self_check)); then
    if run --cycles 3 --leak-on-purpose >/dev/null; then
        echo "valgrind.sh: SELF-CHECK FAILED: a deliberate leak was not reported" >&2
        exit 1
    fi
    grep -q "definitely lost: 4,096 bytes in 1 blocks" "$log" || {
        echo "valgrind.sh: SELF-CHECK FAILED: unexpected report, see $log" >&2
        exit 1
    }
    echo "valgrind.sh: self-check ok: the deliberate 4 KiB leak fails the check"
    exit 0
fi

start=$(date +%s)
set +e
run --cycles "$cycles" --messages "$messages"
rc=$?
set -e
secs=$(($(date +%s) - start))
grep -E "ok: |definitely lost|indirectly lost|possibly lost|still reachable|ERROR SUMMARY|total heap usage" "$log" |
    sed 's/^==[0-9]*== *//'
if ((rc != 0)); then
    echo "valgrind.sh: FAILED (exit $rc) after ${secs}s: memory errors or definite leaks; see $log" >&2
    grep -nE "Invalid (read|write)|definitely lost in|uninitialised|Invalid free|Mismatched free" "$log" | head -20 >&2 || true
    exit 1
fi
echo "valgrind.sh: ok: $cycles cycles, no memory errors, nothing definitely lost (${secs}s)"
