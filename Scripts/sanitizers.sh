#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer, each in its own scratch directory
# (so the normal .build is untouched). Too slow for the default CI (each is a full debug build and
# test run); run it before resolving a robustness issue and report the result.
#   Scripts/sanitizers.sh            both
#   Scripts/sanitizers.sh thread     one of them
# Prints, for each, whether the tests passed, how many sanitizer reports there were, by kind and
# place, and how many ThreadSanitizer suppressed; exits non-zero on a failed test or any report.
# ThreadSanitizer reads Scripts/tsan-suppressions.txt, whose every entry says why it is a false
# positive. Full logs: /tmp/sepcnn-sanitize-<sanitizer>.log.
set -uo pipefail
cd "$(dirname "$0")/.."
export TSAN_OPTIONS="suppressions=$(pwd)/Scripts/tsan-suppressions.txt print_suppressions=1 ${TSAN_OPTIONS:-}"
# Leaks are not what this run looks for: Foundation's Data(contentsOf:) leaks 4 KiB reading an empty file.
export ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}"
status=0
for s in ${@:-address thread}; do
    log=/tmp/sepcnn-sanitize-$s.log
    echo "== swift test under the $s sanitizer"
    if swift test --sanitize="$s" --scratch-path ".build-$s" > "$log" 2>&1; then result=passed; else result=failed; status=1; fi
    reports=$(grep -c 'WARNING: ThreadSanitizer\|ERROR: AddressSanitizer' "$log")
    suppressed=$(grep -o 'ThreadSanitizer: Matched [0-9]* suppressions' "$log" | grep -o '[0-9]*' | paste -sd+ | bc 2> /dev/null || echo 0)
    (( reports == 0 )) || status=1
    echo "   tests $result; $reports sanitizer reports; ${suppressed:-0} suppressed (full log: $log)"
    grep -h 'Test run with .* passed\|Test run with .* failed\|Executed .* tests' "$log" | tail -2 | sed 's/^/   /'
    grep -o 'SUMMARY: [A-Za-z]*Sanitizer: [a-z-]* [^ ]*\( in [^ ]*\)\?' "$log" | sed 's/SUMMARY: //' | sort | uniq -c | sort -rn | head -20 | sed 's/^/   /'
done
exit $status
