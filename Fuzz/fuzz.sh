#!/usr/bin/env bash
# Fuzzes one target with the caps Fuzz/README.md states, then merges what it found into the
# committed corpus Fuzz/Corpus/<Target> (minimised: only inputs that add coverage are kept).
#   Fuzz/fuzz.sh TARGET SECONDS [SEED_DIR...]     (build first: see README.md; FUZZ_BIN= the build's bin directory)
# Prints libFuzzer's final statistics; a crash, hang or over-allocation leaves crash-/timeout-/oom-
# files in the current directory and a non-zero exit.
set -euo pipefail
target=$1 seconds=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
bin=${FUZZ_BIN:-$(cd "$here" && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --show-bin-path)}
case $target in
    ONNXFuzzer | CheckpointFuzzer) timeout=20 max_len=16384 ;;
    SafetensorsFuzzer) timeout=10 max_len=8192 ;;
    *) timeout=10 max_len=16384 ;;
esac
# Temporary files in RAM where there is a RAM-backed /dev/shm: the file-reading targets write every input
# to a file, and CheckpointFuzzer's atomic writes sync to disk twice an input (on ext4, most of its time).
[[ -d /dev/shm && -w /dev/shm ]] && export TMPDIR=/dev/shm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$here/Corpus/$target"
# Leak checks off: Foundation's Data(contentsOf:) leaks 4 KiB reading an empty file (not SepCNN's).
# Three frames recorded per allocation rather than 30: capturing them was a tenth to a fifth of every
# target's time (CheckpointFuzzer ran at 153 inputs a second rather than 76). Every error is still
# caught; rerun a reproducer with ASAN_OPTIONS=detect_leaks=0 for a report with whole stacks.
export ASAN_OPTIONS=detect_leaks=0:malloc_context_size=3
"$bin/$target" "$work" "$here/Corpus/$target" "$@" -runs=1000000 -max_total_time="$seconds" -timeout="$timeout" \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len="$max_len" -print_final_stats=1 > "$work.log" 2>&1 && status=0 || status=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|stat::|ERROR|SUMMARY|Test unit|==[0-9]+==' "$work.log" | head -40 || true
cp "$work.log" "/tmp/sepcnn-fuzz-$target.log"; rm -f "$work.log"
# -set_cover_merge: the smallest set of new inputs that adds all the new coverage (plain -merge keeps more).
"$bin/$target" -set_cover_merge=1 "$here/Corpus/$target" "$work" -max_len="$max_len" -timeout="$timeout" 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files' || true
echo "$target: corpus $(ls "$here/Corpus/$target" | wc -l) files, $(du -sk --apparent-size "$here/Corpus/$target" | cut -f1) KB"
exit "$status"
