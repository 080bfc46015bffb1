import { DateTime } from 'luxon';
import { parseInstant } from '../time/instant.js';
import { EventDecodeError } from './decode-error.js';
import { DECODE_LIMITS, inDecodeRange } from './decode-limits.js';
import { fastSampleBytes } from './fast-bytes.js';
import { fastSample } from './fast-sample.js';
import { TRUNK_EVENT_SCHEMA_VERSION, TrunkEvent, type TrunkSample, toSample } from './trunk-event.js';

export { DECODE_LIMITS };

export type DecodeResult = { ok: true; sample: TrunkSample } | { ok: false; error: EventDecodeError };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns raw bytes (a Kafka message value, an NDJSON line) into a sample, or into a typed
 * error with the reason. Never throws: every input, however broken, gets an answer.
 */
export function decodeTrunkEvent(raw: Uint8Array | string | null | undefined): DecodeResult {
  if (raw === null || raw === undefined)
    return fail(new EventDecodeError('empty', 'the message has no value'));
  if (typeof raw === 'string') return decodeText(raw);
  // the common event, straight from its bytes (a property test holds it to the path below)
  const fast = fastSampleBytes(raw);
  return fast ? { ok: true, sample: fast } : decodeBytes(raw);
}

/**
 * Same as decodeTrunkEvent, for the bytes of `bytes` in [from, to) (a record's value where it
 * lies in its fetched batch): the common event is read in place; anything else, as a view of
 * those bytes, is decided and explained as decodeTrunkEvent does. Gives the sample or the
 * error itself, no result object around it (the rules stage reads a million a second).
 */
export function decodeTrunkEventIn(
  bytes: Uint8Array | null,
  from: number,
  to: number,
): TrunkSample | EventDecodeError {
  if (bytes === null) return sampleOrError(decodeTrunkEvent(null));
  return fastSampleBytes(bytes, from, to) ?? sampleOrError(decodeBytes(bytes.subarray(from, to)));
}

/** A decoded sample, or why the value is not one. */
export function sampleOrError(r: DecodeResult): TrunkSample | EventDecodeError {
  return r.ok ? r.sample : r.error;
}

/** Bytes the fast path declined: as UTF-8 text, then JSON. */
function decodeBytes(raw: Uint8Array): DecodeResult {
  if (raw.byteLength > DECODE_LIMITS.maxBytes) return fail(tooLarge(raw.byteLength));
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch (cause) {
    return fail(new EventDecodeError('not-utf8', 'the value is not valid UTF-8', { cause }));
  }
  return decodeText(text);
}

function decodeText(text: string): DecodeResult {
  if (text.length > DECODE_LIMITS.maxBytes) return fail(tooLarge(text.length));
  if (text.trim() === '') return fail(new EventDecodeError('empty', 'the value is empty'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return fail(new EventDecodeError('not-json', `not JSON: ${(cause as Error).message}`, { cause }));
  }
  return decodeTrunkEventObject(json);
}

/** Same as decodeTrunkEvent, for an already-parsed value. */
export function decodeTrunkEventObject(json: unknown): DecodeResult {
  const sample = fastSample(json);
  return sample ? { ok: true, sample } : decodeWithSchema(json);
}

/** The full path: the zod schema and the checks it can't express, with every reason. */
export function decodeWithSchema(json: unknown): DecodeResult {
  if (
    json !== null &&
    typeof json === 'object' &&
    'schemaVersion' in json &&
    json.schemaVersion !== TRUNK_EVENT_SCHEMA_VERSION
  ) {
    return fail(
      new EventDecodeError(
        'unsupported-version',
        `schemaVersion ${JSON.stringify(json.schemaVersion)} is not supported; this build reads schemaVersion ${TRUNK_EVENT_SCHEMA_VERSION}`,
      ),
    );
  }
  const parsed = TrunkEvent.safeParse(json);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`)
      .join('; ');
    return fail(new EventDecodeError('schema', reason, { cause: parsed.error }));
  }
  const e = parsed.data;
  if (e.activeCalls > e.capacity) {
    return fail(
      new EventDecodeError(
        'calls-exceed-capacity',
        `activeCalls ${e.activeCalls} exceeds capacity ${e.capacity} on trunk ${e.trunkId}: a trunk cannot carry more calls than its channels`,
      ),
    );
  }
  const time = parseInstant(e.eventTime);
  if (!inDecodeRange(time)) {
    return fail(
      new EventDecodeError(
        'time-out-of-range',
        `eventTime ${e.eventTime} is outside [${DateTime.fromMillis(DECODE_LIMITS.minTimeMs, { zone: 'utc' }).toISODate()}, ${DateTime.fromMillis(DECODE_LIMITS.maxTimeMs, { zone: 'utc' }).toISODate()})`,
      ),
    );
  }
  return {
    ok: true,
    sample: toSample({
      trunkId: e.trunkId,
      trunkGroup: e.trunkGroup,
      region: e.region,
      site: e.site,
      labels: e.labels,
      time,
      activeCalls: e.activeCalls,
      capacity: e.capacity,
    }),
  };
}

function tooLarge(size: number): EventDecodeError {
  return new EventDecodeError(
    'too-large',
    `${size} bytes is over the ${DECODE_LIMITS.maxBytes}-byte limit for one event`,
  );
}

function fail(error: EventDecodeError): DecodeResult {
  return { ok: false, error };
}
