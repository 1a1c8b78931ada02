#!/usr/bin/env bash
# Render an HTML file to a PNG with headless Chromium (Debian's package; installed by
# scripts/install_browser.sh - no browser is downloaded). Usage: screenshot.sh IN.html OUT.png [WIDTHxHEIGHT]
set -euo pipefail
in="$(realpath "$1")"; out="$(realpath -m "$2")"; size="${3:-420,1600}"
profile="$(mktemp -d)"; trap 'rm -rf "$profile"' EXIT
/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$profile" --window-size="${size/x/,}" \
  --screenshot="$out" "file://$in" >/dev/null 2>&1
test -s "$out" && echo "screenshot: $out"
