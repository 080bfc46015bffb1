# Shared settings for fetch.sh, start.sh and stop.sh; sourced, not run.
# Every value can be overridden from the environment; docs/kafka-broker.md lists them.

# Newest Apache Kafka release that kafkajs 2.2.4 passes the smoke test against (see docs/kafka-broker.md).
KAFKA_DEFAULT_VERSION=4.4.0

KAFKA_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_ROOT="$(cd "$KAFKA_SCRIPTS_DIR/../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
# The KRaft controller listens next to the broker unless told otherwise.
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_LIBS_DIR="$KAFKA_ROOT/.cache/kafka/$KAFKA_VERSION/libs"
# One data dir per port, so a developer's broker and the test suite's never share files.
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$KAFKA_ROOT/.cache/kafka-data/$KAFKA_PORT}"
KAFKA_PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
KAFKA_LOG_DIR="$KAFKA_DATA_DIR/logs"

kafka_die() {
  echo "kafka: $*" >&2
  exit 1
}

# Exits with a message naming the Debian packages when a tool is missing: never a silent skip.
kafka_require() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "kafka: '$tool' is not installed, and the test Kafka broker needs it." >&2
      echo "kafka: install Java 17+ and Maven, e.g. on Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven" >&2
      exit 3
    fi
  done
}

# True while the broker recorded in the pid file runs. Where /proc exists it also checks the process
# is still ours: a zombie (empty cmdline) or a recycled pid is not.
kafka_pid_alive() {
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$KAFKA_PID_FILE")"
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -d /proc/$pid ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$KAFKA_DATA_DIR/server.properties"
  fi
}
