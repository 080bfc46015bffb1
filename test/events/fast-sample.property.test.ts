import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTrunkEvent, decodeTrunkEventIn, decodeWithSchema } from '../../src/events/decode.js';
import { EventDecodeError } from '../../src/events/decode-error.js';
import { fastSampleBytes } from '../../src/events/fast-bytes.js';
import { fastSample } from '../../src/events/fast-sample.js';
import { VALID_EVENT } from '../support/trunk-event.js';

// weighted towards valid values, so that many events reach the fast path's acceptance
const name = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9-]{1,12}$/), weight: 12 },
  fc.string({ maxLength: 4 }),
  fc.constantFrom('', ' ', 'a b', 'x'.repeat(200), 'x'.repeat(201), '\t', 'é'),
);
const count = fc.oneof(
  { arbitrary: fc.integer({ min: -2, max: 1_000_001 }), weight: 12 },
  fc.constantFrom(0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e300, 1_000_000),
  fc.constantFrom('10', null, true),
);
const time = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2110, 0, 1) })
      .map((ms) => new Date(ms).toISOString()),
  },
  fc.constantFrom(
    '2026-11-29T02:00:00+08:00',
    '2026-11-29T02:00:00',
    '2026-02-29T00:00:00Z',
    '2026-11-29T24:00:00Z',
    '1999-12-31T23:59:59Z',
    '2099-12-31T23:59:59.999Z',
    '2100-01-01T00:00:00Z',
    '2026-11-29T02:00:00+05:45',
    42,
  ),
);
/** A valid event, then up to two of its fields replaced (or labels / an unknown key added). */
const validEvent = fc
  .record({
    trunkId: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    trunkGroup: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    region: fc.stringMatching(/^[a-z]{1,8}$/),
    site: fc.stringMatching(/^[a-z0-9]{1,8}$/),
    eventTime: fc
      .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) })
      .map((ms) => new Date(ms).toISOString()),
    capacity: fc.integer({ min: 1, max: 1_000_000 }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ share, capacity, ...rest }) => ({
    schemaVersion: 1 as unknown,
    ...rest,
    activeCalls: Math.floor(share * capacity),
    capacity,
  }));
const mutation = fc.oneof(
  fc.tuple(fc.constantFrom('trunkId', 'trunkGroup', 'region', 'site'), name),
  fc.tuple(fc.constantFrom('activeCalls', 'capacity'), count),
  fc.tuple(fc.constant('eventTime'), time),
  fc.tuple(fc.constant('schemaVersion'), fc.constantFrom(2, '1', null)),
  fc.tuple(fc.constant('labels'), fc.constantFrom({ carrier: 'singtel' }, {}, null)),
  fc.tuple(fc.constant('extra'), fc.constant('x')),
);
const event = fc.tuple(validEvent, fc.array(mutation, { maxLength: 2 })).map(([e, ms]) => {
  const out: Record<string, unknown> = { ...e };
  for (const [k, v] of ms) out[k] = v;
  return out;
});

describe('the fast event check', () => {
  it('accepts only events the schema accepts, and gives the very sample the schema path gives', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ arbitrary: event, weight: 9 }, fc.anything()), (json) => {
        const fast = fastSample(json);
        if (fast === undefined) return;
        accepted++;
        const full = decodeWithSchema(json);
        expect(full.ok).toBe(true);
        if (full.ok) expect(fast).toEqual(full.sample);
      }),
      { numRuns: 20_000 },
    );
    // the property means little unless many events actually took the fast path
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('takes the common event itself, without the schema', () => {
    const json = { ...VALID_EVENT };
    expect(fastSample(json)).toEqual({ ...(decodeWithSchema(json) as { sample: object }).sample });
  });
});

/** The bytes of an event as some producer might write them: any key order, maybe spaced, maybe mangled. */
const wire = fc
  .tuple(
    fc.oneof({ arbitrary: event, weight: 9 }, fc.anything()),
    fc.boolean(),
    fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, fc.constantFrom(' ', '\n', '\t')),
    fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { nil: undefined, freq: 2 }),
    fc.oneof({ arbitrary: fc.constant('none'), weight: 6 }, fc.constantFrom('dup', 'float', 'exp', 'lead0')),
  )
  .map(([json, reversed, space, flip, numbers]) => {
    let text: string;
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      const entries = Object.entries(json);
      if (reversed) entries.reverse();
      text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${space}${JSON.stringify(v)}`).join(',')}}`;
      if (numbers === 'dup') text = text.replace('{', '{"capacity":1,');
      if (numbers === 'float') text = text.replace(/"capacity":(\d+)/, '"capacity":$1.0');
      if (numbers === 'exp') text = text.replace(/"schemaVersion":1/, '"schemaVersion":1e0');
      if (numbers === 'lead0') text = text.replace(/"activeCalls":(\d+)/, '"activeCalls":0$1');
    } else {
      text = JSON.stringify(json) ?? 'undefined';
    }
    const bytes = Buffer.from(text, 'utf8');
    if (flip && bytes.length > 0) bytes[flip[0] % bytes.length] = flip[1];
    return bytes;
  });

describe('the fast event check on bytes', () => {
  it('accepts only bytes that JSON.parse and the schema accept, and gives the very sample they give', () => {
    let accepted = 0;
    fc.assert(
      fc.property(wire, (bytes) => {
        const fast = fastSampleBytes(bytes);
        if (fast === undefined) return;
        accepted++;
        // the text path: TextDecoder, JSON.parse, the object check or the schema
        const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        const full = decodeTrunkEvent(text);
        expect(full.ok).toBe(true);
        if (full.ok) expect(fast).toEqual(full.sample);
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('takes every compact event without labels, whatever the key order', () => {
    fc.assert(
      fc.property(validEvent, fc.boolean(), (e, reversed) => {
        const entries = Object.entries(e);
        if (reversed) entries.reverse();
        const bytes = Buffer.from(JSON.stringify(Object.fromEntries(entries)));
        const full = decodeTrunkEvent(bytes.toString());
        expect(full.ok).toBe(true);
        if (full.ok) expect(fastSampleBytes(bytes)).toEqual(full.sample);
      }),
      { numRuns: 2_000 },
    );
  });

  it('remembers the last instant by its bytes: events in any order get their own event time', () => {
    // few distinct instants of one length, so that repeats and same-length neighbours are common
    const instant = fc.constantFrom(
      '2026-11-29T02:00:00Z',
      '2026-11-29T02:00:10Z',
      '2026-11-29T12:00:00Z',
      '2026-11-29T02:00:00+08:00',
      '2026-11-29T24:00:00Z',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(validEvent, instant), { minLength: 2, maxLength: 20 }), (events) => {
        for (const [e, eventTime] of events) {
          const bytes = Buffer.from(JSON.stringify({ ...e, eventTime }));
          const full = decodeTrunkEvent(bytes.toString());
          const fast = fastSampleBytes(bytes);
          // 24:00 is refused on every path: the fast path declines it
          if (fast === undefined) expect(eventTime.includes('T24:') || !full.ok).toBe(true);
          else expect(full.ok && full.sample).toEqual(fast);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads an event in the middle of other bytes (a fetched batch) as it reads the event alone', () => {
    // bytes around it that could fool a reader running past its bounds: braces, quotes, digits
    const around = fc
      .uint8Array({ maxLength: 8 })
      .chain((a) =>
        fc.constantFrom(a, Buffer.from('}'), Buffer.from('{"'), Buffer.from('9,'), Buffer.from('"')),
      );
    fc.assert(
      fc.property(wire, around, around, (bytes, before, after) => {
        const batch = Buffer.concat([before, bytes, after]);
        const from = before.length;
        const to = from + bytes.length;
        expect(fastSampleBytes(batch, from, to)).toEqual(fastSampleBytes(bytes));
        const alone = decodeTrunkEvent(bytes);
        const inPlace = decodeTrunkEventIn(batch, from, to);
        expect(inPlace instanceof EventDecodeError).toBe(!alone.ok);
        if (alone.ok) expect(inPlace).toEqual(alone.sample);
        else expect((inPlace as EventDecodeError).message).toBe(alone.error.message);
      }),
      { numRuns: 5_000 },
    );
    const none = decodeTrunkEventIn(null, 0, 0);
    const expected = decodeTrunkEvent(null);
    expect(none).toBeInstanceOf(EventDecodeError);
    expect((none as EventDecodeError).message).toBe(expected.ok ? undefined : expected.error.message);
    expect(() => fastSampleBytes(Buffer.from('{}'), 1, 3)).toThrow(RangeError);
  });

  it('reads a Uint8Array that is not a Buffer the same way', () => {
    const bytes = Buffer.from(JSON.stringify(VALID_EVENT));
    expect(fastSampleBytes(new Uint8Array(bytes))).toEqual(fastSampleBytes(bytes));
    expect(fastSampleBytes(bytes)).toBeDefined();
  });
});
