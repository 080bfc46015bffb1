import { describe, expect, it } from 'vitest';
import { parseInstant, toWire } from '../../src/time/instant.js';
import type { WfmAdapter } from '../../src/wfm/adapter.js';
import { Writer } from '../../src/writer/writer.js';
import { update } from './support/adjustments.js';
import { fixture, shiftOf } from './support/fixture.js';

const MIN = 60_000;

/** Wraps an adapter to see how many calls are in flight at once. */
function counting(inner: WfmAdapter): { adapter: WfmAdapter; max: () => number } {
  let now = 0;
  let max = 0;
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      now++;
      max = Math.max(max, now);
      try {
        return await fn(...args);
      } finally {
        now--;
      }
    };
  return {
    adapter: {
      listShifts: wrap((q) => inner.listShifts(q)),
      listAgents: wrap((q) => inner.listAgents(q)),
      getShift: wrap((id, s) => inner.getShift(id, s)),
      patchShift: wrap((id, p, o) => inner.patchShift(id, p, o)),
      swapShifts: wrap((s, o) => inner.swapShifts(s, o)),
    },
    max: () => max,
  };
}

describe('writer: ordering and concurrency', () => {
  it('serializes writes to one shift in submission order, with no self-inflicted conflicts', async () => {
    const f = await fixture();
    await f.admin.faults({ latencyMs: 20 });
    const s = shiftOf(f.snapshot, 0, 2);
    const adjustments = [
      update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 30 * MIN) }),
      update(s, { kind: 'set-start', start: toWire(parseInstant(s.start) - 15 * MIN) }),
      update(s, { kind: 'activities-to-on-queue', from: s.start, to: s.end, types: ['break'] }),
      update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 60 * MIN) }),
    ];
    const outcomes = await Promise.all(adjustments.map((a) => f.writer.submit(a)));

    expect(outcomes.map((o) => [o.status, o.attempts])).toEqual(Array(4).fill(['applied', 1]));
    expect(f.calls.filter((c) => c.status === 409)).toEqual([]);
    const ledger = await f.admin.ledger();
    expect(ledger.map((e) => e.idempotencyKey)).toEqual(adjustments.map((a) => a.key));
    expect(ledger.at(-1)?.after.end).toBe(toWire(parseInstant(s.end) + 60 * MIN));
  });

  it('serializes writes to one agent across shifts', async () => {
    const f = await fixture();
    await f.admin.faults({ latencyMs: 20 });
    const monday = shiftOf(f.snapshot, 1, 1);
    const tuesday = shiftOf(f.snapshot, 1, 2);
    const adjustments = [
      update(monday, { kind: 'set-end', end: toWire(parseInstant(monday.end) + 30 * MIN) }),
      update(tuesday, { kind: 'set-start', start: toWire(parseInstant(tuesday.start) - 30 * MIN) }),
      update(monday, { kind: 'set-start', start: toWire(parseInstant(monday.start) - 30 * MIN) }),
    ];
    await Promise.all(adjustments.map((a) => f.writer.submit(a)));
    expect((await f.admin.ledger()).map((e) => e.idempotencyKey)).toEqual(adjustments.map((a) => a.key));
  });

  it('runs writes to different shifts in parallel, up to the configured bound', async () => {
    const f = await fixture();
    await f.admin.faults({ latencyMs: 30 });
    const { adapter, max } = counting(f.client);
    const writer = new Writer({ adapter, clock: f.clock, concurrency: 3 });
    writer.remember(await f.client.listShifts({}));
    const adjustments = [0, 1, 2, 3, 4, 5, 6, 7].map((agent) => {
      const s = shiftOf(f.snapshot, agent, 3);
      return update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 15 * MIN) });
    });
    const outcomes = await Promise.all(adjustments.map((a) => writer.submit(a)));

    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(max()).toBe(3);
  });

  it('joins a resubmitted key to the run already in progress instead of writing twice', async () => {
    const f = await fixture();
    await f.admin.faults({ latencyMs: 20 });
    const s = shiftOf(f.snapshot, 2, 2);
    const adj = update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 15 * MIN) });
    const [a, b] = await Promise.all([f.writer.submit(adj), f.writer.submit(adj)]);
    expect(a).toBe(b);
    expect(f.calls.filter((c) => c.route === 'patch-shift')).toHaveLength(1);
  });
});
