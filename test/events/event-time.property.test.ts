import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODE_LIMITS, decodeTrunkEvent, decodeWithSchema } from '../../src/events/decode.js';
import { fastSampleBytes } from '../../src/events/fast-bytes.js';
import { fastSample } from '../../src/events/fast-sample.js';
import { instantLike, mangledInstant, REFUSED_INSTANTS, referenceInstant } from '../support/rfc3339.js';
import { VALID_EVENT } from '../support/trunk-event.js';

const inRange = (ms: number) => ms >= DECODE_LIMITS.minTimeMs && ms < DECODE_LIMITS.maxTimeMs;

/** Strings near the decoder's range: valid ones in many offsets and fraction lengths, and broken ones. */
const eventTime = fc.oneof(
  instantLike,
  mangledInstant,
  fc
    .tuple(
      fc.integer({ min: Date.UTC(1999, 11, 31), max: Date.UTC(2100, 0, 2) }),
      fc.stringMatching(/^\d{0,14}$/),
      fc.constantFrom('Z', '+08:00', '+05:45', '-05:00', '+12:45', '+14:00', '-00:00'),
    )
    .map(([ms, fraction, offset]) => {
      const shift =
        offset === 'Z' ? 0 : referenceInstant(`2000-01-01T00:00${offset}`)! - Date.UTC(2000, 0, 1);
      const local = new Date(ms - shift).toISOString().slice(0, 19);
      return `${local}${fraction ? `.${fraction}` : ''}${offset}`;
    }),
);

describe('event time: every decoding path reads it as RFC 3339 does', () => {
  it('the byte path, the object path and the schema path accept exactly the instants the reference reads, with its time', () => {
    let fastTaken = 0;
    fc.assert(
      fc.property(eventTime, (s) => {
        const want = referenceInstant(s);
        const accepted = want !== undefined && inRange(want);
        const event = { ...VALID_EVENT, eventTime: s };
        const bytes = Buffer.from(JSON.stringify(event));

        const schema = decodeWithSchema(event);
        expect(schema.ok, s).toBe(accepted);
        if (schema.ok) expect(schema.sample.time).toBe(want);

        const whole = decodeTrunkEvent(bytes);
        expect(whole.ok, s).toBe(accepted);
        if (whole.ok) expect(whole.sample.time).toBe(want);

        // the fast paths are sound and, for compact events with a short event time, complete
        const fromBytes = fastSampleBytes(bytes);
        const fromObject = fastSample(event);
        if (accepted && s.length <= 200) {
          expect(fromBytes?.time, s).toBe(want);
          expect(fromObject?.time, s).toBe(want);
          fastTaken++;
        } else {
          expect(fromBytes, s).toBeUndefined();
          expect(fromObject, s).toBeUndefined();
        }
      }),
      { numRuns: 10_000 },
    );
    expect(fastTaken).toBeGreaterThan(1_000);
  });

  it('refuses hour 24 and out-of-range offsets as schema failures naming eventTime, the value and the fix', () => {
    for (const s of REFUSED_INSTANTS) {
      const bytes = Buffer.from(JSON.stringify({ ...VALID_EVENT, eventTime: s }));
      expect(fastSampleBytes(bytes), s).toBeUndefined();
      const r = decodeTrunkEvent(bytes);
      expect(r.ok, s).toBe(false);
      if (r.ok) continue;
      expect(r.error.failure).toBe('schema');
      expect(r.error.reason).toContain(`eventTime: ${JSON.stringify(s)} is not an instant: `);
    }
    const r = decodeTrunkEvent(JSON.stringify({ ...VALID_EVENT, eventTime: '2026-11-28T24:00+02:00' }));
    expect(!r.ok && r.error.reason).toMatch(/00:00 of the next, 2026-11-29T00:00\+02:00/);
  });

  it('accepts an event time with ten or more fraction digits on every path, cut to milliseconds', () => {
    for (const s of [
      '2026-11-29T02:00:00.1234567890+08:00',
      `2026-11-29T02:00:00.${'9'.repeat(300)}+08:00`,
    ]) {
      const event = { ...VALID_EVENT, eventTime: s };
      const want = Date.UTC(2026, 10, 28, 18, 0, 0, s.includes('.1') ? 123 : 999);
      const r = decodeTrunkEvent(Buffer.from(JSON.stringify(event)));
      expect(r.ok && r.sample.time, s).toBe(want);
      expect(decodeWithSchema(event).ok).toBe(true);
    }
    expect(
      fastSampleBytes(
        Buffer.from(JSON.stringify({ ...VALID_EVENT, eventTime: '2026-11-29T02:00:00.1234567890+08:00' })),
      )?.time,
    ).toBe(Date.UTC(2026, 10, 28, 18, 0, 0, 123));
  });
});
