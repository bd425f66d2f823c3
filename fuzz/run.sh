#!/usr/bin/env bash
# Bounded fuzz run of wxpay-core's targets (needs a nightly toolchain).
#
#   bash fuzz/run.sh [SECONDS-PER-TARGET (default 60)] [TARGET...]   fuzz each target in turn
#   bash fuzz/run.sh --runs N [TARGET...]                            N executions per target
#   bash fuzz/run.sh --cmin [TARGET...]                              fold scratch/ into corpus/, minimised
#
# Each target runs for SECONDS with -rss_limit_mb=2048 -timeout=5, starting
# from the committed corpus (fuzz/corpus/<target>, read-only here) and the
# local working corpus (fuzz/scratch/<target>, git-ignored, where new inputs
# go). Prints executions, exec/s and peak RSS per target; exits non-zero if
# any target crashed, hung, ran out of memory or failed to run. Crash inputs
# land in fuzz/artifacts/<target>/ (see fuzz/README.md for what to do next).
#
# Environment: FUZZ_TOOLCHAIN (default nightly), FUZZ_SANITIZER (default
# none; "address" for AddressSanitizer, ~7x slower), FUZZ_JOBS (default 1:
# parallel libFuzzer workers per target), FUZZ_TRACE_COMPARES (default 1; 0
# builds without comparison tracing: faster, coarser coverage guidance).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

toolchain="${FUZZ_TOOLCHAIN:-nightly}"
sanitizer="${FUZZ_SANITIZER:-none}"
jobs="${FUZZ_JOBS:-1}"
build_flags=(-s "$sanitizer")
if [[ ${FUZZ_TRACE_COMPARES:-1} == 0 ]]; then
    build_flags+=(--no-trace-compares)
fi

mode=run
secs=60
runs=
if [[ $# -gt 0 && $1 == --cmin ]]; then
    mode=cmin
    shift
elif [[ $# -gt 0 && $1 == --runs ]]; then
    if [[ $# -lt 2 || ! $2 =~ ^[0-9]+$ ]]; then
        echo "run.sh: --runs needs a number of executions, e.g. --runs 10000000" >&2
        exit 2
    fi
    runs=$2
    shift 2
elif [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
    secs=$1
    shift
fi
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    targets=()
    for f in fuzz_targets/*.rs; do
        targets+=("$(basename "$f" .rs)")
    done
fi
for t in "${targets[@]}"; do
    if [[ ! -f fuzz_targets/$t.rs ]]; then
        echo "run.sh: no fuzz target '$t' (have: $(cd fuzz_targets && ls -- *.rs | sed 's/\.rs$//' | tr '\n' ' '))" >&2
        exit 2
    fi
done

if ! cargo "+$toolchain" --version >/dev/null 2>&1; then
    echo "run.sh: the '$toolchain' toolchain is missing: rustup toolchain install $toolchain" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

if [[ $mode == cmin ]]; then
    cargo "+$toolchain" fuzz build "${build_flags[@]}" >&2
    triple=$(rustc "+$toolchain" -vV | sed -n 's/^host: //p')
    for t in "${targets[@]}"; do
        mkdir -p "scratch/$t"
        before=$(find "corpus/$t" -type f | wc -l)
        merged=$(mktemp -d "scratch/$t.cmin.XXXXXX")
        # libFuzzer's set-cover merge keeps a small set of inputs that
        # covers every edge (hit counts ignored, to keep the corpus small)
        # of the committed corpus and the working corpus.
        if ! "target/$triple/release/$t" -set_cover_merge=1 -use_counters=0 \
            -rss_limit_mb=2048 -timeout=5 -artifact_prefix="scratch/$t.cmin-" \
            "$merged" "corpus/$t" "scratch/$t" >"scratch/$t.cmin.log" 2>&1; then
            rm -rf "$merged"
            echo "run.sh: cmin of $t failed, see fuzz/scratch/$t.cmin.log" >&2
            exit 1
        fi
        rm -rf "corpus/$t"
        mv "$merged" "corpus/$t"
        chmod 755 "corpus/$t"
        after=$(find "corpus/$t" -type f | wc -l)
        if compgen -G "scratch/$t.cmin-*" >/dev/null; then
            echo "run.sh: $t: inputs that crash were left out of the corpus: $(ls scratch/"$t".cmin-*)" >&2
        fi
        echo "$t: corpus $before -> $after files, $(cat "corpus/$t"/* | wc -c) bytes"
    done
    exit 0
fi

echo "building ${#targets[@]} target(s) (${build_flags[*]}, debug assertions on)..." >&2
cargo "+$toolchain" fuzz build "${build_flags[@]}" >&2
limit=(-max_total_time="$secs")
if [[ -n $runs ]]; then
    limit=(-runs="$runs")
fi

failed=0
printf '%-12s %12s %10s %8s  %s\n' target executions exec/s rss_mb result
for t in "${targets[@]}"; do
    mkdir -p "scratch/$t" "artifacts/$t"
    log="scratch/$t.log"
    parallel=()
    if [[ $jobs -gt 1 ]]; then
        parallel=(-jobs="$jobs" -workers="$jobs")
    fi
    set +e
    cargo "+$toolchain" fuzz run "${build_flags[@]}" "$t" "scratch/$t" "corpus/$t" -- \
        "${limit[@]}" -rss_limit_mb=2048 -timeout=5 -print_final_stats=1 \
        "${parallel[@]}" >"$log" 2>&1
    rc=$?
    set -e
    if [[ $jobs -gt 1 ]]; then
        # libFuzzer writes each worker's output to fuzz-<n>.log.
        cat fuzz-*.log >>"$log" 2>/dev/null || true
        rm -f fuzz-*.log
    fi
    execs=$(awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}' "$log")
    rate=$(awk '/stat::average_exec_per_sec/ {s += $2} END {print s + 0}' "$log")
    rss=$(awk '/stat::peak_rss_mb/ {if ($2 > m) m = $2} END {print m + 0}' "$log")
    result=ok
    if [[ $rc -ne 0 ]] || grep -qE 'ERROR: libFuzzer|==[0-9]+==ERROR|panicked at|deadly signal' "$log"; then
        result="FAIL (exit $rc): $(grep -m1 -oE 'Test unit written to .*' "$log" || grep -m1 -E 'ERROR|panicked' "$log" || echo "see fuzz/$log")"
        failed=1
    fi
    printf '%-12s %12s %10s %8s  %s\n' "$t" "$execs" "$rate" "$rss" "$result"
done
if [[ $failed -ne 0 ]]; then
    echo "fuzzing found a problem: the logs are in fuzz/scratch/<target>.log, the inputs in fuzz/artifacts/<target>/" >&2
    exit 1
fi
