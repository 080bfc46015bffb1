import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTrunkEvent, decodeTrunkEventObject } from '../../src/events/decode.js';
import { EventDecodeError } from '../../src/events/decode-error.js';
import { encodeTrunkEvent } from '../../src/events/encode.js';
import type { TrunkSample } from '../../src/events/trunk-event.js';

const valid = {
  schemaVersion: 1,
  trunkId: 'sg-byoc-01',
  trunkGroup: 'sg-byoc',
  region: 'apac',
  site: 'sg1',
  labels: { carrier: 'singtel' },
  eventTime: '2026-11-29T02:00:00+08:00',
  activeCalls: 24,
  capacity: 30,
};

function failure(input: unknown) {
  const r = typeof input === 'string' ? decodeTrunkEvent(input) : decodeTrunkEventObject(input);
  if (r.ok) throw new Error('expected a decode failure');
  return r.error;
}

describe('trunk event decoding', () => {
  it('decodes a sample, keeps the instant and derives utilization', () => {
    const r = decodeTrunkEvent(Buffer.from(JSON.stringify(valid)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.sample.time).toBe(Date.UTC(2026, 10, 28, 18, 0));
    expect(r.sample.utilization).toBe(0.8);
    expect(r.sample.labels).toEqual({ carrier: 'singtel' });
  });

  it("refuses a timestamp without an offset (the seed's failure mode) with the reason", () => {
    const e = failure({ ...valid, eventTime: '2026-11-29T02:00:00' });
    expect(e.failure).toBe('schema');
    expect(e.reason).toMatch(/eventTime: .*explicit offset/);
  });

  it('names each kind of bad input with its own failure code', () => {
    expect(failure('').failure).toBe('empty');
    expect(failure('{').failure).toBe('not-json');
    expect(failure({ ...valid, activeCalls: 31 }).failure).toBe('calls-exceed-capacity');
    expect(failure({ ...valid, capacity: -5 }).failure).toBe('schema');
    expect(failure({ ...valid, capacity: 0 }).failure).toBe('schema');
    expect(failure({ ...valid, activeCalls: 1.5 }).failure).toBe('schema');
    expect(failure({ ...valid, schemaVersion: 2 }).failure).toBe('unsupported-version');
    expect(failure({ ...valid, eventTime: '1970-01-01T00:00:00Z' }).failure).toBe('time-out-of-range');
    expect(failure({ ...valid, eventTime: '2999-01-01T00:00:00Z' }).failure).toBe('time-out-of-range');
    expect(failure('x'.repeat(70_000)).failure).toBe('too-large');
    expect(decodeTrunkEvent(new Uint8Array([0xff, 0xfe, 0x7b])).ok).toBe(false);
    expect(decodeTrunkEvent(null).ok).toBe(false);
  });

  it('refuses unknown keys: a misspelt field is an error, not a silently missing value', () => {
    const e = failure({ ...valid, activecalls: 3 });
    expect(e.reason).toMatch(/activecalls/);
  });

  it('never throws, whatever the bytes: every input is a sample or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const r = decodeTrunkEvent(bytes);
        if (!r.ok) expect(r.error).toBeInstanceOf(EventDecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on JSON of any shape, including near-misses of a valid event', () => {
    const nearMiss = fc.record({
      schemaVersion: fc.oneof(fc.constant(1), fc.anything()),
      trunkId: fc.oneof(fc.string(), fc.anything()),
      trunkGroup: fc.string(),
      region: fc.string(),
      site: fc.string(),
      eventTime: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19)),
        fc.string(),
      ),
      activeCalls: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN)),
      capacity: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.POSITIVE_INFINITY)),
    });
    fc.assert(
      fc.property(fc.oneof(nearMiss, fc.anything()), (v) => {
        const text = JSON.stringify(v);
        const r = decodeTrunkEvent(text ?? 'undefined');
        if (r.ok) {
          expect(r.sample.utilization).toBeGreaterThanOrEqual(0);
          expect(r.sample.utilization).toBeLessThanOrEqual(1);
        } else expect(r.error.code).toBe('TR_ERR_EVENT_DECODE');
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes what it encodes, for any valid sample', () => {
    const name = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
    const sample = fc
      .record({
        trunkId: name,
        trunkGroup: name,
        region: name,
        site: name,
        time: fc
          .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) })
          .map((t) => t - (t % 1000)),
        capacity: fc.integer({ min: 1, max: 10_000 }),
        share: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map(
        (r): TrunkSample => ({
          trunkId: r.trunkId,
          trunkGroup: r.trunkGroup,
          region: r.region,
          site: r.site,
          labels: undefined,
          time: r.time,
          activeCalls: Math.floor(r.share * r.capacity),
          capacity: r.capacity,
          utilization: Math.floor(r.share * r.capacity) / r.capacity,
        }),
      );
    fc.assert(
      fc.property(sample, (s) => {
        const r = decodeTrunkEvent(encodeTrunkEvent(s));
        expect(r.ok && r.sample).toEqual(s);
      }),
    );
  });
});
