#!/usr/bin/env bash
# Reproduces the contract's key answers with nothing but curl, against any server that
# speaks it (default: a WFM sandbox started with
#   `trunk-reactor wfm-sandbox --port 8080 --clock 2026-11-25T10:00:00+08:00`, whose built-in
#   schedule then covers the weeks this script uses).
#   WFM_URL=http://127.0.0.1:8080 WFM_TOKEN=sandbox-token bash scripts/contract-curl-demo.sh
# The publish-window step moves the sandbox's virtual clock through /_sandbox/clock.
set -euo pipefail
URL="${WFM_URL:-http://127.0.0.1:8080}"
API="$URL/wfm/api/v2"
AUTH="Authorization: Bearer ${WFM_TOKEN:-sandbox-token}"
JSON='Content-Type: application/json'

show() { printf '\n== %s\n' "$1"; }
req() { curl -sS -i "$@" | tr -d '\r' | grep -iE '^(HTTP/|retry-after|idempotency-replayed)|^\{' ; }

# Park the virtual clock on Wednesday 2026-11-25 10:00 SGT, well outside the publish window.
curl -sS -X PUT "$URL/_sandbox/clock" -H "$JSON" -d '{"now":"2026-11-25T10:00:00+08:00","frozen":true}' >/dev/null

SHIFT=$(curl -sS "$API/schedules/shifts?pageSize=1&from=2026-11-26T00:00:00%2B08:00" -H "$AUTH" | sed -E 's/.*"items":\[\{"id":"([^"]+)".*/\1/')
VERSION=$(curl -sS "$API/schedules/shifts/$SHIFT" -H "$AUTH" | sed -E 's/.*"version":([0-9]+).*/\1/')
END=$(curl -sS "$API/schedules/shifts/$SHIFT" -H "$AUTH" | sed -E 's/.*"end":"([^"]+)","activities".*/\1/')
NEW_END=$(date -u -d "$END + 30 minutes" +%Y-%m-%dT%H:%M:%SZ)
echo "shift $SHIFT at version $VERSION, ends $END"

show "1. a write based on the current version → 200"
req -X PATCH "$API/schedules/shifts/$SHIFT" -H "$AUTH" -H "$JSON" -H "Idempotency-Key: demo-$SHIFT-1" \
  -d "{\"version\":$VERSION,\"end\":\"$NEW_END\"}"

show "2. the same Idempotency-Key and body again → the same response, marked replayed"
req -X PATCH "$API/schedules/shifts/$SHIFT" -H "$AUTH" -H "$JSON" -H "Idempotency-Key: demo-$SHIFT-1" \
  -d "{\"version\":$VERSION,\"end\":\"$NEW_END\"}"

show "3. a stale version → 409 VERSION_CONFLICT with the current version"
req -X PATCH "$API/schedules/shifts/$SHIFT" -H "$AUTH" -H "$JSON" -d "{\"version\":$VERSION,\"end\":\"$END\"}"

show "4. a timestamp without an offset → 400 VALIDATION_ERROR"
req -X PATCH "$API/schedules/shifts/$SHIFT" -H "$AUTH" -H "$JSON" -d "{\"version\":$((VERSION + 1)),\"end\":\"${END%Z}\"}"

show "5. a write while the publish window is open → 409 SCHEDULE_LOCKED with Retry-After"
curl -sS -X PUT "$URL/_sandbox/clock" -H "$JSON" -d '{"now":"2026-11-29T02:10:00+08:00"}' >/dev/null
LOCKED=$(curl -sS "$API/schedules/shifts?pageSize=1&from=2026-11-29T04:00:00%2B08:00" -H "$AUTH" | sed -E 's/.*"items":\[\{"id":"([^"]+)".*"version":([0-9]+).*/\1 \2/')
read -r LSHIFT LVERSION <<<"$LOCKED"
req -X PATCH "$API/schedules/shifts/$LSHIFT" -H "$AUTH" -H "$JSON" -d "{\"version\":$LVERSION,\"end\":\"2026-11-29T06:30:00Z\"}"
curl -sS -X PUT "$URL/_sandbox/clock" -H "$JSON" -d '{"now":"2026-11-25T10:00:00+08:00"}' >/dev/null

show "6. a burst over the rate limit → 429 with Retry-After"
for _ in $(seq 1 1000); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' "$API/schedules/shifts/$SHIFT" -H "$AUTH")
  if [ "$code" = 429 ]; then req "$API/schedules/shifts/$SHIFT" -H "$AUTH"; break; fi
done
