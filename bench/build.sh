#!/bin/sh
# Builds everything the benchmark runs; idempotent and incremental (re-running only rebuilds
# what changed). Outputs go to $RKAFKA_BENCH_LAB (default bench/target/lab, git-ignored) and
# the cargo target dir bench/target/cargo; nothing is written to the cargo registry.
#
#   A  rdkafka_performance from the librdkafka 2.12.1 source that rdkafka-sys 4.10.0 bundles,
#      configured like rkafka's rdkafka-sys build (ssl, zlib; no zstd), with -K/-W added
#      (bench/patch_librdkafka.py)
#   A's latency program (bench/latency/latency.c), same librdkafka
#   mock cluster server (bench/mock/mockcluster.c) linked against that librdkafka with the
#      mock log limit raised
#   B  a Python venv with confluent-kafka==2.12.1 (bundles librdkafka 2.12.1)
#   C  bench/rust-rdkafka-bench (rust-rdkafka 0.39), D bench/rkafka-bench (rkafka)
#   tansu: the project's prebuilt tansu (scripts/install-brokers.sh --prebuilt-only)
#
# Needs: a C toolchain, make, python3 (+venv), libssl-dev, zlib1g-dev, cargo;
# network for pip and cargo the first time. valgrind for bench/callgrind.py.
set -eu
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$BENCH")
LAB=${RKAFKA_BENCH_LAB:-$BENCH/target/lab}
export CARGO_TARGET_DIR=${RKAFKA_BENCH_CARGO_TARGET:-$BENCH/target/cargo}
JOBS=${JOBS:-2}
mkdir -p "$LAB"
log() { echo "bench/build.sh: $*" >&2; }

# --- librdkafka source, as bundled in the rdkafka-sys crate ------------------------------
find_src() {
    ls -d "$HOME"/.cargo/registry/src/*/rdkafka-sys-4.10.0+2.12.1/librdkafka 2>/dev/null | head -1
}
SRC=$(find_src)
if [ -z "$SRC" ]; then
    log "fetching rdkafka-sys 4.10.0 into the cargo registry"
    (cd "$BENCH/rkafka-bench" && cargo fetch)
    SRC=$(find_src)
fi
RDK="$LAB/librdkafka-2.12.1"
if [ ! -f "$RDK/src/librdkafka.a" ]; then
    log "building librdkafka 2.12.1 (configure + make libs) in $RDK"
    rm -rf "$RDK" && cp -a "$SRC" "$RDK"
    # The configure switches rdkafka-sys uses for rkafka's features (ssl, libz), less zstd
    # (rdkafka-sys builds it from the zstd-sys crate; no codec is on the benchmark's path).
    (cd "$RDK" && ./configure --enable-ssl --disable-gssapi --disable-curl --disable-zstd \
                             --disable-lz4-ext >/dev/null &&
     make -j"$JOBS" libs >/dev/null)
fi

# --- A: rdkafka_performance with -K (sequence keys) and -W (warm-up) ---------------------
if [ ! -x "$RDK/examples/rdkafka_performance" ] ||
   [ "$BENCH/patch_librdkafka.py" -nt "$RDK/examples/rdkafka_performance" ]; then
    log "building rdkafka_performance (A)"
    [ -f "$RDK/examples/rdkafka_performance.c.orig" ] ||
        cp "$RDK/examples/rdkafka_performance.c" "$RDK/examples/rdkafka_performance.c.orig"
    cp "$RDK/examples/rdkafka_performance.c.orig" "$RDK/examples/rdkafka_performance.c"
    python3 "$BENCH/patch_librdkafka.py" perf "$RDK/examples/rdkafka_performance.c"
    (cd "$RDK/examples" && rm -f rdkafka_performance && make rdkafka_performance >/dev/null)
fi

# --- mock cluster server ------------------------------------------------------------------
MOCKDIR="$LAB/mock"
if [ ! -x "$MOCKDIR/mockcluster" ] || [ "$BENCH/mock/mockcluster.c" -nt "$MOCKDIR/mockcluster" ] ||
   [ "$BENCH/patch_librdkafka.py" -nt "$MOCKDIR/mockcluster" ]; then
    log "building the mock cluster server"
    rm -rf "$MOCKDIR" && mkdir -p "$MOCKDIR"
    cp "$RDK/src/rdkafka_mock.c" "$MOCKDIR/"
    python3 "$BENCH/patch_librdkafka.py" mock "$MOCKDIR/rdkafka_mock.c"
    LIBS=$(sed -n 's/^LIBS+*=//p' "$RDK/Makefile.config" | tr '\n' ' ')
    (cd "$MOCKDIR" &&
     gcc -O2 -g -fPIC -I"$RDK/src" -I"$RDK" -c rdkafka_mock.c -o rdkafka_mock.o &&
     cp "$RDK/src/librdkafka.a" libmock.a && ar r libmock.a rdkafka_mock.o &&
     gcc -O2 -g -I"$RDK/src" "$BENCH/mock/mockcluster.c" -o mockcluster libmock.a $LIBS)
fi

# --- A's latency program (bench/latency/latency.c) ------------------------------------------
LATDIR="$LAB/latency"
if [ ! -x "$LATDIR/latency" ] || [ "$BENCH/latency/latency.c" -nt "$LATDIR/latency" ]; then
    log "building the C latency program (A)"
    mkdir -p "$LATDIR"
    LIBS=$(sed -n 's/^LIBS+*=//p' "$RDK/Makefile.config" | tr '\n' ' ')
    gcc -O2 -g -I"$RDK/src" "$BENCH/latency/latency.c" -o "$LATDIR/latency" "$RDK/src/librdkafka.a" $LIBS
fi

# --- B: confluent-kafka-python 2.12.1 -------------------------------------------------------
if ! "$LAB/venv/bin/python" -c 'import confluent_kafka as c; assert c.libversion()[0] == "2.12.1"' 2>/dev/null; then
    log "creating the Python venv for B"
    python3 -m venv "$LAB/venv"
    "$LAB/venv/bin/pip" install -q confluent-kafka==2.12.1
fi

# --- tansu ----------------------------------------------------------------------------------
TANSU=${RKAFKA_CACHE:-$HOME/.cache/rkafka}/bin/tansu-prebuilt
[ -x "$TANSU" ] || "$REPO/scripts/install-brokers.sh" --prebuilt-only

# --- C and D ----------------------------------------------------------------------------------
log "building C (rust-rdkafka-bench) and D (rkafka-bench) in $CARGO_TARGET_DIR"
(cd "$BENCH/rust-rdkafka-bench" && cargo build --release --locked -q)
(cd "$BENCH/rkafka-bench" && cargo build --release -q)

log "ok: A=$RDK/examples/rdkafka_performance mock=$MOCKDIR/mockcluster B=$LAB/venv/bin/python" \
    "C=$CARGO_TARGET_DIR/release/rust-rdkafka-bench D=$CARGO_TARGET_DIR/release/rkafka-bench tansu=$TANSU"
