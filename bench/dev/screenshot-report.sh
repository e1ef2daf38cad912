#!/usr/bin/env bash
# Dev only (not CI): open a report.html in Debian's headless chromium with networking features off and
# save a screenshot, to look at the page as a browser draws it.
#   bash bench/dev/screenshot-report.sh reports/<run-id>/report.html [out.png] [height]
set -euo pipefail
html=${1:?usage: bench/dev/screenshot-report.sh path/to/report.html [out.png] [height]}
out=${2:-report-screenshot.png}
height=${3:-2400}
command -v chromium >/dev/null || { echo "error: chromium not found; install it with: apt-get install chromium" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$profile" --hide-scrollbars \
  --screenshot="$(realpath -m "$out")" --window-size=1280,"$height" "file://$(realpath "$html")" 2>/dev/null
echo "wrote $out"
