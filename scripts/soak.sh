#!/usr/bin/env bash
# Usage: scripts/soak.sh [--messages N] [--warmup W] [--tansu] [--self-check]
#
# Runs examples/soak.rs (release build): 10,000,000 messages (100 B values) through one
# producer and one consumer in rounds of 20,000, every offset checked, RSS (VmRSS) sampled
# after every round. Fails if any count is off, or if the peak RSS over the last 1,000,000
# messages is 10 % or more above the peak up to the end of the warm-up (default 1,000,000
# messages). See the example's header for why peaks are compared.
#
# Broker: by default librdkafka's mock cluster in a child process (its partition logs are
# bounded, and its memory is not in the client's RSS). --tansu uses the prebuilt tansu (memory
# storage, keeps all messages in its own process: about 2 GB for 10M) started with
# scripts/brokers.sh in a private state dir.
#
# --self-check runs 2,000,000 messages (1,000,000 warm-up) losing 16 bytes per message on
# purpose, and expects the check to fail, showing that it can.
#
# Not part of `cargo test` (about 15 seconds on 2 cores with the mock cluster).
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
tansu=0
self_check=0
while (($#)); do
    case "$1" in
    --messages | --warmup) args+=("$1" "$2"); shift 2 ;;
    --tansu) tansu=1; shift ;;
    --self-check) self_check=1; shift ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done

cargo build --quiet --release --example soak
bin="${CARGO_TARGET_DIR:-target}/release/examples/soak"

if ((self_check)); then
    if "$bin" --messages 2000000 --warmup 1000000 --leak-bytes-per-message 16; then
        echo "soak.sh: SELF-CHECK FAILED: a leak of 16 bytes per message passed" >&2
        exit 1
    fi
    echo "soak.sh: self-check ok: a leak of 16 bytes per message fails the check"
    exit 0
fi

if ((tansu)); then
    export RKAFKA_BROKER_DIR
    RKAFKA_BROKER_DIR=/tmp/rkafka-soak-brokers-$$ # brokers.sh creates it
    trap 'scripts/brokers.sh stop >/dev/null 2>&1 || true' EXIT
    scripts/brokers.sh start >/dev/null
    eval "$(scripts/brokers.sh env)"
    args+=(--bootstrap "$RKAFKA_TANSU_BOOTSTRAP")
fi

"$bin" "${args[@]}"
echo "soak.sh: ok"
