#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer, each in its own scratch directory
# (so the normal .build is untouched). Too slow for the default CI (each is a full debug build and
# test run); run it before resolving a robustness issue and report the result.
#   Scripts/sanitizers.sh            both
#   Scripts/sanitizers.sh address    one of them
# Known (issue 17, not yet resolved): one allocator test cannot pass under ASan (ASan replaces the
# allocator it measures); TSan prints warnings for accesses inside one mutex-locked section, likely
# false positives, to be explained and suppressed (TSAN_OPTIONS=suppressions=...) or restructured.
set -euo pipefail
cd "$(dirname "$0")/.."
for sanitizer in "${@:-address thread}"; do
    for s in $sanitizer; do
        echo "== swift test under the ${s} sanitizer"
        swift test --sanitize="$s" --scratch-path ".build-$s" 2>&1 | tee "/tmp/sepcnn-sanitize-$s.log" | tail -5 || echo "   swift test failed under ${s}"
        echo "   full log: /tmp/sepcnn-sanitize-$s.log ($(grep -c 'WARNING: ThreadSanitizer\|ERROR: AddressSanitizer' "/tmp/sepcnn-sanitize-$s.log" || true) sanitizer reports)"
    done
done
