import { describe, expect, it } from 'vitest';
import { writerApplier } from '../../src/app/writer-adapter.js';
import { sharingReads } from '../../src/planner/shared-reads.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { WfmHttpClient, type WfmRequestEvent } from '../../src/wfm/http-client.js';
import { update } from './support/adjustments.js';
import { fixture, shiftOf } from './support/fixture.js';

const MIN = 60_000;

describe('writer: the first write of a shift', () => {
  it('goes out on the version the planner just read when both run in one instance: no read before it', async () => {
    const f = await fixture({ warm: false });
    const routes: string[] = [];
    const client = new WfmHttpClient({
      baseUrl: f.sandbox.baseUrl,
      token: 'sandbox-token',
      clock: f.clock,
      onRequest: (e: WfmRequestEvent) => routes.push(e.route),
    });
    const applier = writerApplier({ adapter: client, clock: f.clock });
    try {
      const shift = shiftOf(f.snapshot, 2, 3);
      // the planner lists its team, as the planning stage does before it plans
      await sharingReads(client, (shifts) => applier.remember(shifts)).listShifts({ teamId: shift.teamId });
      routes.length = 0;
      const outcome = await applier.apply(
        update(shift, { kind: 'set-end', end: toWire(parseInstant(shift.end) + 15 * MIN) }),
      );
      expect(outcome).toMatchObject({ status: 'applied', attempts: 1, httpCalls: 1 });
      expect(routes).toEqual(['patch-shift']);
    } finally {
      await applier.close();
      await client.close();
    }
  });

  it('goes out after one list of its team around the adjustment when nothing was read before: a list serves the team', async () => {
    const f = await fixture({ warm: false });
    const team = shiftOf(f.snapshot, 0, 3).teamId;
    const shifts = [0, 1, 2, 3, 4, 5, 6, 7]
      .map((a) => shiftOf(f.snapshot, a, 3))
      .filter((s) => s.teamId === team);
    expect(shifts.length).toBeGreaterThan(1);
    const outcomes = await Promise.all(
      shifts.map((s) =>
        f.writer.submit(update(s, { kind: 'set-end', end: toWire(parseInstant(s.end) + 15 * MIN) })),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(shifts.map(() => 'applied'));
    expect(f.calls.map((c) => c.route).sort()).toEqual(
      ['list-shifts', ...shifts.map(() => 'patch-shift')].sort(),
    );
    expect(f.writer.stats.overheadCalls).toBe(1);
  });
});
