#!/usr/bin/env bash
# Renders `--report` pages in a real browser, headless Debian chromium, to PNG screenshots, with a
# grayscale copy of each (do the series still tell apart without colour?), for a person to look at.
# Also checks that each page stands alone: no script, and nothing fetched (no http(s) src/href).
# Not part of `swift test` or CI: it needs chromium and python3-pil (installed here if missing, as root).
#
#   Scripts/check_report_page.sh PAGE.html OUT.png [HEIGHT]     one page; OUT-gray.png beside it
#   Scripts/check_report_page.sh --examples DIR                 makes and renders a `train --report`
#       page (fashion-sepcnn, 3 epochs, embedded images) and a `bench --profile --report` page (the standard
#       suite) with the release build, into DIR/report-train(.html|.png|-gray.png) and DIR/report-bench(…)
#
# HEIGHT is the window's height in pixels (default: the page's SVG heights added up, plus room for
# its text); chromium's --screenshot captures the window, not the whole page.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/bin:$PATH  # Debian's python3, which python3-pil installs into, before any other (pyenv's lacks PIL)

need() {  # need COMMAND-OR-MODULE DEBIAN-PACKAGE
    if ! command -v "$1" > /dev/null 2>&1 && ! python3 -c "import $1" 2> /dev/null; then
        echo "installing $2"
        apt-get install -y -qq "$2" > /dev/null
    fi
}

render() {  # render PAGE OUT [HEIGHT]
    local page out height
    page=$(realpath "$1"); out=$(realpath -m "$2"); height=${3:-}
    need chromium chromium
    need PIL python3-pil
    if grep -qi '<script' "$page"; then echo "$page holds a script"; exit 1; fi
    if grep -Eqi '(src|href)="(https?:)?//' "$page"; then echo "$page refers to something outside itself"; exit 1; fi
    if [ -z "$height" ]; then
        # The charts' heights, plus about 60 pixels for every heading, paragraph, caption and table row.
        height=$(python3 - "$page" << 'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
svg = sum(float(h) for h in re.findall(r'<svg [^>]*height="([0-9.]+)"', text))
other = len(re.findall(r'<(h1|h2|p|figcaption|tr)[ >]', text)) * 40 + len(re.findall(r'<figure>', text)) * 40
print(int(svg + other + 200))
EOF
)
    fi
    # A profile of its own, so a chromium the user has open is neither used nor disturbed.
    local profile
    profile=$(mktemp -d)
    chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$profile" \
        --screenshot="$out" --window-size="1200,$height" "file://$page" > /dev/null 2>&1
    rm -rf "$profile"
    [ -s "$out" ] || { echo "chromium wrote no screenshot of $page"; exit 1; }
    python3 - "$out" "${out%.png}-gray.png" << 'EOF'
import sys
from PIL import Image, ImageOps
ImageOps.grayscale(Image.open(sys.argv[1]).convert("RGB")).save(sys.argv[2])
EOF
    echo "$page → $out (1200×$height) and ${out%.png}-gray.png"
}

if [ "${1:-}" = "--examples" ]; then
    dir=$(realpath -m "${2:?give the folder for the pages}")
    mkdir -p "$dir"
    swift build -c release -Xcc -march=native > /dev/null
    sepcnn=$(pwd)/.build/release/sepcnn
    (cd "$dir" && "$sepcnn" train --model fashion-sepcnn --epochs 3 --seed 0 --test --output "$dir/fashion.safetensors" \
        --report "$dir/report-train.html" > "$dir/train.txt")
    "$sepcnn" bench --seconds 0.3 --profile --report "$dir/report-bench.html" > "$dir/bench.txt"
    render "$dir/report-train.html" "$dir/report-train.png"
    render "$dir/report-bench.html" "$dir/report-bench.png"
else
    render "${1:?give a report page}" "${2:?give the PNG to write}" "${3:-}"
fi
