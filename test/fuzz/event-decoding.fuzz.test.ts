import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODE_LIMITS, decodeTrunkEvent, decodeTrunkEventObject } from '../../src/events/decode.js';
import type { DecodeFailure } from '../../src/events/decode-error.js';
import { VALID_EVENT } from '../support/trunk-event.js';

/**
 * One bad field at a time, on an otherwise valid event: each kind of bad value must be
 * refused with the failure kind the dead letter will carry, and the reason must name the
 * field — whatever the value. (test/events/decode.test.ts covers random bytes and random
 * JSON shapes; this covers the values a real producer gets wrong.)
 */
const valid: Record<string, unknown> = { ...VALID_EVENT };

function refusal(event: Record<string, unknown>, viaText: boolean) {
  const r = viaText ? decodeTrunkEvent(JSON.stringify(event)) : decodeTrunkEventObject(event);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(event)}`);
  return r.error;
}

const huge = fc.oneof(
  fc.constantFrom(Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, 1e21, 2 ** 63),
  fc.double({ min: 1e16, noNaN: true }),
);
const notANumber = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
const wrongType = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer()), fc.object());
const instant = fc.date({
  min: new Date(Date.UTC(2000, 0, 1)),
  max: new Date(Date.UTC(2099, 11, 31)),
  noInvalidDate: true,
});

describe('event decoding, one bad field at a time', () => {
  it('refuses a capacity that is negative, zero, fractional, huge, NaN or not a number, naming capacity', () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
      huge,
      notANumber,
      wrongType,
    );
    fc.assert(
      fc.property(bad, fc.boolean(), (capacity, viaText) => {
        const e = refusal({ ...valid, capacity }, viaText);
        expect(e.code).toBe('TR_ERR_EVENT_DECODE');
        // a huge capacity can be a valid integer: then activeCalls ≤ capacity holds and the schema's bound refuses it
        expect(e.reason).toMatch(/capacity/);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses activeCalls that are negative, above capacity, huge, NaN or not a number, naming activeCalls', () => {
    const bad = fc.oneof(
      fc.integer({ max: -1 }),
      fc.integer({ min: 31, max: 10_000 }),
      huge,
      notANumber,
      wrongType,
    );
    fc.assert(
      fc.property(bad, fc.boolean(), (activeCalls, viaText) => {
        const e = refusal({ ...valid, activeCalls }, viaText);
        expect(['schema', 'calls-exceed-capacity']).toContain(e.failure);
        expect(e.reason).toMatch(/activeCalls/);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an eventTime without an offset, whatever the instant, as a schema failure naming eventTime', () => {
    const local = instant.chain((d) =>
      fc.constantFrom(
        d.toISOString().slice(0, 19),
        d.toISOString().slice(0, 16),
        d.toISOString().slice(0, 10),
        d.toISOString().slice(0, 19).replace('T', ' '),
      ),
    );
    fc.assert(
      fc.property(local, fc.boolean(), (eventTime, viaText) => {
        const e = refusal({ ...valid, eventTime }, viaText);
        expect(e.failure).toBe('schema');
        expect(e.reason).toMatch(/eventTime/);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an eventTime far in the past or the future as out of range, and accepts any in range with any offset', () => {
    const far = fc.oneof(
      fc.integer({ min: 1, max: 1999 }).map((y) => `${String(y).padStart(4, '0')}-06-15T12:00:00Z`),
      fc.integer({ min: 2100, max: 9999 }).map((y) => `${y}-06-15T12:00:00+08:00`),
    );
    fc.assert(
      fc.property(far, (eventTime) => {
        const r = decodeTrunkEvent(JSON.stringify({ ...valid, eventTime }));
        expect(r.ok).toBe(false);
        if (!r.ok)
          expect(['time-out-of-range', 'schema'] satisfies DecodeFailure[]).toContain(r.error.failure);
      }),
      { numRuns: 300 },
    );
    const offset = fc.constantFrom('Z', '+08:00', '+05:45', '-05:00', '+12:45', '+00:00');
    fc.assert(
      fc.property(instant, offset, (d, off) => {
        const eventTime = `${d.toISOString().slice(0, 19)}${off}`;
        const r = decodeTrunkEvent(JSON.stringify({ ...valid, eventTime }));
        if (!r.ok) {
          // only the edges: a local time at 2000-01-01 with a positive offset lies before the limit
          expect(r.error.failure).toBe('time-out-of-range');
          return;
        }
        expect(r.sample.time).toBeGreaterThanOrEqual(DECODE_LIMITS.minTimeMs);
        expect(r.sample.time).toBeLessThan(DECODE_LIMITS.maxTimeMs);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a wrong type in any field, naming that field', () => {
    const field = fc.constantFrom(...Object.keys(valid));
    fc.assert(
      fc.property(field, wrongType, (name, value) => {
        fc.pre(typeof value !== 'string' || !['trunkId', 'trunkGroup', 'region', 'site'].includes(name));
        const e = refusal({ ...valid, [name]: value }, true);
        expect(e.code).toBe('TR_ERR_EVENT_DECODE');
        expect(`${e.failure} ${e.reason}`).toMatch(name === 'schemaVersion' ? /version/i : new RegExp(name));
      }),
      { numRuns: 800 },
    );
  });
});
