#!/usr/bin/env bash
# Render a Steward HTML compliance report in headless Chromium (Debian's `chromium`) and save a PNG screenshot,
# to check by eye that the report renders offline with its charts visible. Not part of `npm test` (CI time).
#
# Usage:
#   scripts/render-report.sh [REPORT.html] [OUT.png]
#
#   REPORT.html  a report written by `steward report --format html --out REPORT.html`; when omitted, a sample
#                report is built first on embedded local services (scripts/sample-report.ts, about a minute).
#   OUT.png      where the screenshot goes (default: REPORT.png next to the report).
#
# Chromium is installed with apt-get when missing (needs root, or sudo). It runs with networking disabled in
# practice: the report is one self-contained file (inline CSS and SVG, no scripts, fonts or images), so a page
# that renders here renders anywhere. Nothing generated belongs in the repository.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

report="${1:-}"
if [[ -z "$report" ]]; then
  report="$(mktemp -d)/steward-sample-report.html"
  echo "render-report: building a sample report (embedded local services, emulator)..." >&2
  (cd "$repo" && node --import tsx scripts/sample-report.ts "$report")
fi
[[ -f "$report" ]] || { echo "render-report: no such file: $report" >&2; exit 2; }
report="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
out="${2:-${report%.html}.png}"

if ! command -v chromium >/dev/null 2>&1; then
  echo "render-report: chromium is not installed; installing Debian's chromium..." >&2
  sudo_cmd=""
  [[ "$(id -u)" -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y chromium
fi

# A tall window: the whole report in one image. A private profile dir, so no user state is read or written.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --disable-background-networking \
  --disable-component-update --disable-sync --disable-extensions --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size=1200,7000 --screenshot="$out" "file://$report" >/dev/null 2>&1

[[ -s "$out" ]] || { echo "render-report: chromium wrote no screenshot" >&2; exit 1; }
echo "render-report: $report -> $out"
