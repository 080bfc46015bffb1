#!/usr/bin/env bash
# Starts a single-node KRaft Kafka broker for tests on 127.0.0.1:$KAFKA_PORT (default 9092) in the
# background, and returns once it answers a metadata request.
#   scripts/kafka/start.sh               wipe the data dir, format it, start
#   scripts/kafka/start.sh --keep-data   start on the existing data dir (restart after stop.sh)
# Env: KAFKA_VERSION, KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS,
# KAFKA_START_TIMEOUT (s); see docs/kafka-broker.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

keep_data=false
for arg in "$@"; do
  case "$arg" in
    --keep-data) keep_data=true ;;
    -h | --help)
      sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) kafka_die "unknown option '$arg' (known: --keep-data)" ;;
  esac
done

kafka_require java node

if kafka_pid_alive; then
  kafka_die "a broker already runs on port $KAFKA_PORT (pid $(cat "$KAFKA_PID_FILE")); stop it first: KAFKA_PORT=$KAFKA_PORT bash scripts/kafka/stop.sh"
fi
for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  # A successful connect means something else already listens there.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    kafka_die "port $port on 127.0.0.1 is already in use; pick another with KAFKA_PORT=<port>"
  fi
done

bash "$KAFKA_SCRIPTS_DIR/fetch.sh"

kraft_dir="$KAFKA_DATA_DIR/kraft"
if [[ "$keep_data" == false ]]; then
  rm -rf "$KAFKA_DATA_DIR"
fi
mkdir -p "$kraft_dir" "$KAFKA_LOG_DIR"

config="$KAFKA_DATA_DIR/server.properties"
sed -e "s|@PORT@|$KAFKA_PORT|g" \
  -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
  -e "s|@LOG_DIRS@|$kraft_dir|g" \
  "$KAFKA_SCRIPTS_DIR/server.properties.template" >"$config"

# Small heap and a fast-starting JIT/GC setup: a test broker holds little data, and on a 2-core
# machine JVM start-up is most of the wait. Override both for a broker that must be fast for long.
heap_opts="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
perf_opts="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
# shellcheck disable=SC2206 # both are space-separated JVM flag lists, split on purpose
jvm_opts=(
  $heap_opts
  $perf_opts
  -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$KAFKA_SCRIPTS_DIR/log4j2.xml"
  -Dkafka.logs.dir="$KAFKA_LOG_DIR"
  -cp "$KAFKA_LIBS_DIR/*"
)

if [[ ! -f "$kraft_dir/meta.properties" ]]; then
  # A KRaft cluster id is 16 random bytes, base64url without padding (what `random-uuid` prints);
  # redrawn while it starts with '-', which the tool's argument parser would take for an option.
  cluster_id=-
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  java "${jvm_opts[@]}" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$config" >"$KAFKA_LOG_DIR/format.log" 2>&1 ||
    {
      cat "$KAFKA_LOG_DIR/format.log" >&2
      kafka_die "formatting $kraft_dir failed (Kafka $KAFKA_VERSION)"
    }
fi

nohup java "${jvm_opts[@]}" kafka.Kafka "$config" </dev/null >"$KAFKA_LOG_DIR/stdout.log" 2>&1 &
pid=$!
echo "$pid" >"$KAFKA_PID_FILE"

timeout_s="${KAFKA_START_TIMEOUT:-60}"
if ! node "$KAFKA_SCRIPTS_DIR/wait-ready.mjs" "127.0.0.1:$KAFKA_PORT" "$pid" "$timeout_s"; then
  echo "kafka: broker did not become ready within ${timeout_s}s; last lines of its logs:" >&2
  tail -n 40 "$KAFKA_LOG_DIR/server.log" "$KAFKA_LOG_DIR/stdout.log" >&2 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$KAFKA_PID_FILE"
  exit 1
fi
echo "kafka: Kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT (pid $pid, data ${KAFKA_DATA_DIR#"$KAFKA_ROOT"/})"
