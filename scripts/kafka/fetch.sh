#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars (kafka_2.13 + a log4j2 binding) from Maven Central into
# .cache/kafka/<version>/libs, once per version. Usage: KAFKA_VERSION=4.4.0 scripts/kafka/fetch.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ -f "$KAFKA_LIBS_DIR/.complete" ]]; then
  echo "kafka: jars for Kafka $KAFKA_VERSION already in ${KAFKA_LIBS_DIR#"$KAFKA_ROOT"/}"
  exit 0
fi

kafka_require java mvn

# Copy into a scratch dir and rename at the end, so an interrupted fetch never looks complete.
staging="$KAFKA_LIBS_DIR.partial.$$"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging"

echo "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central"
# Maven's output goes to a log, shown only on failure (even -q prints colour escapes on some terminals).
log="$KAFKA_ROOT/.cache/kafka/fetch-$KAFKA_VERSION.log"
if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_SCRIPTS_DIR/pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -Dkafka.version="$KAFKA_VERSION" \
  -DincludeScope=runtime \
  -DoutputDirectory="$staging" >"$log" 2>&1; then
  cat "$log" >&2
  kafka_die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is the version on Maven Central?)"
fi

if ! compgen -G "$staging/kafka_2.13-*.jar" >/dev/null; then
  kafka_die "mvn finished but no kafka_2.13 jar was copied to $staging"
fi
touch "$staging/.complete"
# Another fetch of the same version may have finished first; its copy is as good as ours.
mv -T "$staging" "$KAFKA_LIBS_DIR" 2>/dev/null || [[ -f "$KAFKA_LIBS_DIR/.complete" ]]
echo "kafka: $(find "$KAFKA_LIBS_DIR" -name '*.jar' | wc -l) jars in ${KAFKA_LIBS_DIR#"$KAFKA_ROOT"/}"
