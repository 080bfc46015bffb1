#!/usr/bin/env bash
# Stops the test broker started by start.sh on $KAFKA_PORT: SIGTERM (a clean shutdown keeps the
# data dir usable for `start.sh --keep-data`), then SIGKILL after KAFKA_STOP_TIMEOUT seconds (default 30).
#   scripts/kafka/stop.sh           stop, keep the data dir
#   scripts/kafka/stop.sh --purge   stop and delete the data dir
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

purge=false
for arg in "$@"; do
  case "$arg" in
    --purge) purge=true ;;
    *) kafka_die "unknown option '$arg' (known: --purge)" ;;
  esac
done

if kafka_pid_alive; then
  pid="$(cat "$KAFKA_PID_FILE")"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + ${KAFKA_STOP_TIMEOUT:-30}))
  while kafka_pid_alive && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kafka_pid_alive; then
    echo "kafka: broker pid $pid ignored SIGTERM for ${KAFKA_STOP_TIMEOUT:-30}s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    # Wait for it to be gone, so a start right after finds the ports and the data dir free.
    deadline=$((SECONDS + 10))
    while kafka_pid_alive && ((SECONDS < deadline)); do
      sleep 0.2
    done
  fi
  echo "kafka: stopped broker on port $KAFKA_PORT (pid $pid)"
else
  echo "kafka: no broker running on port $KAFKA_PORT"
fi
rm -f "$KAFKA_PID_FILE"
if [[ "$purge" == true ]]; then
  rm -rf "$KAFKA_DATA_DIR"
fi
