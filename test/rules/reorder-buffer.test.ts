import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrunkSample } from '../../src/events/trunk-event.js';
import { type EventTimeSettings, ReorderBuffer } from '../../src/rules/reorder-buffer.js';
import { MIN, SEC, sample, T0 } from './helpers.js';

const SETTINGS: EventTimeSettings = {
  allowedLatenessMs: 30 * SEC,
  memberStaleAfterMs: 5 * MIN,
  memberIdleMs: 30 * SEC,
  maxFutureSkewMs: 5 * MIN,
};

/** Offers every sample (with its wall clock, if any), then drains: everything released, in order. */
function released(
  samples: ReadonlyArray<{ s: TrunkSample; now?: number }>,
  settings: EventTimeSettings = SETTINGS,
): { out: string[]; refused: string[] } {
  const b = new ReorderBuffer(settings);
  const out: string[] = [];
  const refused: string[] = [];
  for (const { s, now } of samples) {
    const v = b.offer(s, now);
    if (v !== 'accepted') refused.push(`${v} ${id(s)}`);
    for (let r = b.next(); r !== undefined; r = b.next()) out.push(id(r));
  }
  for (const r of b.drain()) out.push(id(r));
  return { out, refused };
}

const id = (s: TrunkSample) => `${s.trunkId}@${(s.time - T0) / SEC}`;

/** One member's samples every `stepMs` from `from` to `to`. */
function member(trunk: string, from: number, to: number, stepMs: number): TrunkSample[] {
  const out: TrunkSample[] = [];
  for (let t = from; t < to; t += stepMs) out.push(sample(trunk, t, 50));
  return out;
}

const sorted = (xs: TrunkSample[]) =>
  [...xs].sort((a, b) => a.time - b.time || (a.trunkId < b.trunkId ? -1 : a.trunkId > b.trunkId ? 1 : 0));

describe('reorder buffer: a watermark driven by its members', () => {
  it("takes a member's burst after another member's newer one: the slowest member holds the watermark", () => {
    // a's 15-minute burst arrives first, then b's for the same 15 minutes (one partition read after another)
    const a = member('a', T0, T0 + 15 * MIN, 10 * SEC);
    const b = member('b', T0, T0 + 15 * MIN, 10 * SEC);
    const hello = [sample('a', T0 - 10 * SEC, 50), sample('b', T0 - 10 * SEC, 50)];
    const now = T0 + 20 * MIN;
    const got = released([...hello, ...a, ...b].map((s, i) => ({ s, now: now + i })));
    expect(got.refused).toEqual([]);
    expect(got.out).toEqual(sorted([...hello, ...a, ...b]).map(id));
  });

  it('refuses as late only a sample older than one already released, and a repeat of a waiting or the last released one as a duplicate', () => {
    const b = new ReorderBuffer(SETTINGS);
    b.offer(sample('a', T0, 1));
    b.offer(sample('a', T0 + 2 * MIN, 1));
    expect(b.next()?.time).toBe(T0);
    // before a's 09:00, which was released
    expect(b.offer(sample('a', T0 - SEC, 1))).toBe('late');
    // the same instant as a released sample, earlier trunk id: before it in (time, trunk) order
    expect(b.offer(sample('0', T0, 1))).toBe('late');
    expect(b.offer(sample('a', T0, 1))).toBe('duplicate');
    expect(b.offer(sample('a', T0 + 2 * MIN, 1))).toBe('duplicate');
    // after the released one, although behind the watermark: still in order
    expect(b.offer(sample('b', T0 + SEC, 1))).toBe('accepted');
    expect(b.next()?.trunkId).toBe('b');
  });

  it('lets a member that is far behind and silent stop holding the others only after memberIdle of wall clock', () => {
    const b = new ReorderBuffer(SETTINGS);
    let now = T0 + 20 * MIN;
    const later = (ms: number) => {
      now += ms;
      return now;
    };
    b.offer(sample('dead', T0, 1), now);
    b.offer(sample('live', T0, 1), now);
    // live goes on for 10 minutes of event time within 10 s of wall clock: dead still holds
    for (let t = T0 + 10 * SEC; t <= T0 + 10 * MIN; t += 10 * SEC) b.offer(sample('live', t, 1), later(100));
    expect(b.watermark).toBe(T0 - 30 * SEC);
    // 30 s of wall clock later, dead (10 minutes behind, silent since) is forgotten
    now += 30 * SEC;
    b.offer(sample('live', T0 + 10 * MIN + 10 * SEC, 1), now);
    expect(b.watermark).toBe(T0 + 10 * MIN + 10 * SEC - 30 * SEC);
    expect(b.members.toJSON().map(([m]) => m)).toEqual(['live']);
    // dead comes back: its old sample is late, its new ones count again
    while (b.next() !== undefined);
    expect(b.offer(sample('dead', T0 + 10 * SEC, 1), now)).toBe('late');
    expect(b.offer(sample('dead', T0 + 10 * MIN + 5 * SEC, 1), now)).toBe('accepted');
    expect(b.members.toJSON().map(([m]) => m)).toEqual(['dead', 'live']);
  });

  it('keeps a member behind by a 15-minute burst when its own burst comes within memberIdle, however long the quiet before', () => {
    const b = new ReorderBuffer(SETTINGS);
    let now = T0;
    const later = (ms: number) => {
      now += ms;
      return now;
    };
    b.offer(sample('a', T0, 1), now);
    b.offer(sample('b', T0, 1), now);
    // an hour of wall clock with nothing, then a's 15 minutes, then b's 20 s later
    now += 60 * MIN;
    for (const s of member('a', T0 + 10 * SEC, T0 + 15 * MIN, 10 * SEC)) b.offer(s, later(10));
    now += 20 * SEC;
    for (const s of member('b', T0 + 10 * SEC, T0 + 15 * MIN, 10 * SEC))
      expect(b.offer(s, later(10))).toBe('accepted');
  });

  it('refuses a sample stamped beyond the future bound, and it moves nothing', () => {
    const b = new ReorderBuffer(SETTINGS);
    const now = T0;
    b.offer(sample('a', T0, 1), now);
    b.offer(sample('b', T0, 1), now);
    expect(b.offer(sample('a', Date.UTC(2099, 5, 1), 1), now)).toBe('future');
    expect(b.offer(sample('a', T0 + 5 * MIN + SEC, 1), now)).toBe('future');
    expect(b.offer(sample('a', T0 + 5 * MIN, 1), now)).toBe('accepted');
    expect(b.maxTime).toBe(T0 + 5 * MIN);
    // without a wall clock (a replay) nothing is in the future
    expect(new ReorderBuffer(SETTINGS).offer(sample('a', Date.UTC(2099, 5, 1), 1))).toBe('accepted');
  });

  it('releases any interleaving of in-order member streams, once each member is heard of, as the sorted stream', () => {
    const trunks = ['a', 'b', 'c', 'd', 'e'];
    const streams = trunks.map((t, i) => member(t, T0 + i * SEC, T0 + 40 * MIN, 20 * SEC + i * SEC));
    const all = streams.flat();
    const expected = sorted(all).map(id);
    fc.assert(
      fc.property(
        // which member's next sample comes next: any merge of the five streams
        fc.array(fc.nat(trunks.length - 1), { minLength: all.length * 2, maxLength: all.length * 2 }),
        // each sample up to the allowed lateness behind its member's newest
        fc.array(fc.integer({ min: 0, max: 30 * SEC }), { minLength: all.length, maxLength: all.length }),
        fc.boolean(),
        (picks, jitter, wallClock) => {
          const queues = streams.map((s, i) =>
            s
              .map((x, j) => ({ x, at: x.time + jitter[(i * 997 + j) % jitter.length]! }))
              .sort((p, q) => p.at - q.at)
              .map((p) => p.x),
          );
          const order: TrunkSample[] = queues.map((q) => q.shift()!);
          for (const p of picks) {
            const q = queues[p]!.length > 0 ? queues[p]! : queues.find((x) => x.length > 0);
            if (q) order.push(q.shift()!);
          }
          for (const q of queues) order.push(...q.splice(0));
          // a wall clock that moves, but never idle long enough to forget a member
          const got = released(order.map((s, i) => (wallClock ? { s, now: T0 + 40 * MIN + i } : { s })));
          expect(got.refused).toEqual([]);
          expect(got.out).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
