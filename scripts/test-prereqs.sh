#!/usr/bin/env bash
# Makes sure the machine has what the test suite drives besides Node.js, and runs before `npm test`
# (the `pretest` script), so that `npm ci && npm test` passes on a fresh machine:
#   java + mvn   the test Kafka broker (scripts/kafka/fetch.sh, start.sh)
#   chromium     the status page's browser test (test/status/status-page.browser.test.ts)
#   kcat         an independent Kafka producer (librdkafka): every compression codec, bursts (test/inputs/)
# Where one is missing it is installed from Debian's packages when this runs as root with apt-get;
# otherwise it exits 3 naming the packages to install. Never a silent skip.
# Env: TR_TEST_PREREQS=skip leaves the machine as it is (the tests then say what is missing).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ "${TR_TEST_PREREQS:-}" == skip ]]; then
  exit 0
fi

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
[[ -x "$CHROMIUM" ]] || missing+=(chromium)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test prerequisites: the tests need ${missing[*]}, which are not installed." >&2
  echo "test prerequisites: install them, e.g. on Debian/Ubuntu: sudo apt-get install ${missing[*]}" >&2
  exit 3
fi

echo "test prerequisites: installing ${missing[*]} from Debian's packages (once per machine)…"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "test prerequisites: apt-get install ${missing[*]} failed (output above)" >&2
  exit 3
fi
for package in "${missing[@]}"; do
  case "$package" in
    chromium) [[ -x "$CHROMIUM" ]] || { echo "test prerequisites: $CHROMIUM still missing after installing chromium" >&2; exit 3; } ;;
  esac
done
echo "test prerequisites: installed ${missing[*]}"
