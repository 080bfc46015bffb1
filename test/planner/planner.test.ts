import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adjustment } from '../../src/planner/adjustment.js';
import { FileKillSwitch } from '../../src/planner/kill-switch.js';
import { Planner } from '../../src/planner/planner.js';
import { SnapshotScheduleSource } from '../../src/planner/snapshot-source.js';
import type { ActionSpec } from '../../src/rules/intent.js';
import type { Clock } from '../../src/time/clock.js';
import { act, extend, HOUR, intent, MIN, planner, sgt, shift, snapshot, ZONE } from './fixtures.js';

const F = '2026-11-27';

describe('planner', () => {
  it('extends the shifts ending soonest, up to maxAgents, as target end times (UTC) with a reason in the business unit zone', async () => {
    const p = planner([
      shift('s1', 'a1', 'voice', `${F}T02:00`, `${F}T10:00`),
      shift('s2', 'a2', 'voice', `${F}T02:30`, `${F}T10:30`),
      shift('s3', 'a3', 'voice', `${F}T03:00`, `${F}T11:00`),
      shift('s4', 'a4', 'voice', `${F}T12:00`, `${F}T20:00`),
      shift('x1', 'b1', 'other', `${F}T02:00`, `${F}T10:00`),
    ]);
    const r = await p.plan(intent(extend(2), `${F}T09:30`));
    expect(r.adjustments.map((a) => a.kind === 'update' && [a.shiftId, a.mutation])).toEqual([
      ['s1', { kind: 'set-end', end: '2026-11-27T02:30:00Z' }],
      ['s2', { kind: 'set-end', end: '2026-11-27T03:00:00Z' }],
    ]);
    for (const a of r.adjustments) expect(Adjustment.parse(a)).toEqual(a);
    expect(r.adjustments[0]!.reason.text).toBe(
      'r1: avg utilization 0.91 > 0.85 over 5m on trunkGroup sg-byoc for 3m at 09:30 Fri 27 Nov +08:00 (01:30Z) → extend shift s1 of agent a1 by 30m: end 10:00 → 10:30 Fri 27 Nov +08:00 (02:00Z → 02:30Z)',
    );
  });

  it('refuses an extension past the maximum shift length or into the minimum rest, and says why', async () => {
    const p = planner([
      shift('long', 'a1', 'voice', `${F}T00:00`, `${F}T10:00`),
      shift('tight', 'a2', 'voice', `${F}T02:00`, `${F}T10:00`),
      shift('tight-next', 'a2', 'voice', `${F}T18:00`, `${F}T23:00`),
    ]);
    const r = await p.plan(
      intent(extend(), `${F}T09:30`, { guardrails: { maxShiftLengthMs: 10 * HOUR, minRestMs: 8 * HOUR } }),
    );
    expect(r.adjustments).toEqual([]);
    expect(r.skipped.map((s) => [s.shiftIds[0], s.guardrail])).toEqual([
      ['long', 'maxShiftLength'],
      ['tight', 'minRest'],
    ]);
    expect(r.skipped[1]!.detail).toBe(
      'agent a2 would rest 7h30m before shift tight-next, under the 8h minimum',
    );
  });

  it('never shortens a shift in progress or starting within the notice', async () => {
    const p = planner([
      shift('now', 'a1', 'voice', `${F}T08:00`, `${F}T16:00`),
      shift('soon', 'a2', 'voice', `${F}T14:30`, `${F}T22:30`),
      shift('later', 'a3', 'voice', `${F}T16:00`, `${F}T23:59`),
    ]);
    const shorten = {
      kind: 'shorten',
      team: 'voice',
      byMs: HOUR,
      trim: 'start',
      startingWithinMs: 4 * HOUR,
      maxAgents: 5,
      order: 'starting-soonest',
    } as const;
    const r = await p.plan(intent(shorten, `${F}T14:00`, { guardrails: { noShortenWithinMs: HOUR } }));
    expect(r.adjustments.map((a) => a.kind === 'update' && a.shiftId)).toEqual(['later']);
    expect(r.skipped).toMatchObject([{ shiftIds: ['soon'], guardrail: 'noShortenWithin' }]);
  });

  it('caps adjustments per agent per local day, and counts Sunday 01:00 SGT in the week that starts that Sunday', async () => {
    const p = planner([
      shift('fri', 'a1', 'voice', `${F}T02:00`, `${F}T10:00`),
      // Sunday 2026-11-29 01:00 SGT is Saturday 17:00 UTC: by UTC date it would fall in the week of the 22nd
      shift('sun', 'a1', 'voice', '2026-11-29T01:00', '2026-11-29T07:00'),
    ]);
    const g = { maxAdjustmentsPerAgentPerWeek: 1, minRestMs: 0 };
    const first = await p.plan(intent(extend(), `${F}T09:30`, { guardrails: g }));
    expect(first.adjustments).toHaveLength(1);
    const again = await p.plan(
      intent(extend(), `${F}T09:45`, {
        guardrails: { ...g, maxAdjustmentsPerAgentPerWeek: 5 },
        ruleId: 'r2',
      }),
    );
    expect(again.skipped[0]).toMatchObject({ guardrail: 'maxAdjustmentsPerAgentPerDay' });
    expect(again.skipped[0]!.detail).toMatch(/on 2026-11-27/);
    const sunday = await p.plan(intent(extend(), '2026-11-29T06:00', { guardrails: g }));
    expect(sunday.adjustments.map((a) => a.kind === 'update' && a.shiftId)).toEqual(['sun']);
  });

  it('caps the distinct agents changed per team in any hour of event time', async () => {
    const shifts = [1, 2, 3, 4].map((i) =>
      shift(
        `s${i}`,
        `a${i}`,
        'voice',
        `${F}T0${i}:00`,
        `${F}T10:0${i}`.replace(/0(\d)$/, (_, d) => `${Number(d) * 5}`.padStart(2, '0')),
      ),
    );
    const p = planner(shifts);
    const g = { maxAgentsPerTeamPerHour: 3 };
    const r1 = await p.plan(intent(extend(2), `${F}T09:30`, { guardrails: g }));
    const r2 = await p.plan(intent(extend(2), `${F}T09:40`, { guardrails: g, ruleId: 'r2' }));
    expect(r1.adjustments).toHaveLength(2);
    expect(r2.adjustments).toHaveLength(1);
    expect(r2.skipped.some((s) => s.guardrail === 'maxAgentsPerTeamPerHour')).toBe(true);
    // an hour after the first changes, the team may change agents again
    const r3 = await p.plan(intent(extend(2), `${F}T10:31`, { guardrails: g, ruleId: 'r3' }));
    expect(r3.skipped.some((s) => s.guardrail === 'maxAgentsPerTeamPerHour')).toBe(false);
  });

  it('finds the one candidate a full team hour lets through behind more refused ones than it reports', async () => {
    // a1 and a2 are changed first; then 30 candidates of agents not yet changed this hour come
    // before a1's second shift, which the cap lets through (a1 already counts in the hour)
    const others = Array.from({ length: 30 }, (_, i) => {
      const n = String(i + 3).padStart(2, '0');
      return shift(`s${n}`, `a${n}`, 'voice', `${F}T01:00`, `${F}T09:${String(i + 1).padStart(2, '0')}`);
    });
    const p = planner([
      shift('first-a1', 'a1', 'voice', `${F}T00:10`, `${F}T08:10`),
      shift('first-a2', 'a2', 'voice', `${F}T00:20`, `${F}T08:20`),
      ...others,
      shift('late-a1', 'a1', 'voice', `${F}T09:00`, `${F}T10:40`),
    ]);
    const g = {
      maxAgentsPerTeamPerHour: 2,
      maxAdjustmentsPerAgentPerDay: 5,
      minRestMs: 0,
      minShiftLengthMs: HOUR,
    };
    // extended by 15 minutes, the first shifts end before the second intent
    const early = { ...extend(2), byMs: 15 * MIN, endingWithinMs: HOUR } as ActionSpec;
    const r1 = await p.plan(intent(early, `${F}T08:00`, { guardrails: g }));
    expect(r1.adjustments.map((a) => a.kind === 'update' && a.shiftId)).toEqual(['first-a1', 'first-a2']);
    const later = { ...extend(1), endingWithinMs: 2 * HOUR } as ActionSpec;
    const r2 = await p.plan(intent(later, `${F}T08:50`, { guardrails: g, ruleId: 'r2' }));
    expect(r2.adjustments.map((a) => a.kind === 'update' && a.shiftId)).toEqual(['late-a1']);
    // the first 25 refusals are reported, each with its reason
    expect(r2.skipped).toHaveLength(25);
    expect(r2.skipped.every((s) => s.guardrail === 'maxAgentsPerTeamPerHour')).toBe(true);
    expect(r2.skipped[0]!.shiftIds).toEqual(['s03']);
  });

  it('turns only the named off-queue activities inside the range into on-queue time', async () => {
    const p = planner([
      shift('s1', 'a1', 'voice', `${F}T08:00`, `${F}T16:00`, [
        act('on-queue', `${F}T08:00`, `${F}T10:15`),
        act('training', `${F}T10:15`, `${F}T12:00`),
        act('on-queue', `${F}T12:00`, `${F}T16:00`),
      ]),
      shift('s2', 'a2', 'voice', `${F}T08:00`, `${F}T16:00`, [
        act('on-queue', `${F}T08:00`, `${F}T10:00`),
        act('coaching', `${F}T10:00`, `${F}T11:00`),
        act('on-queue', `${F}T11:00`, `${F}T16:00`),
      ]),
    ]);
    const toOnQueue: ActionSpec = {
      kind: 'to-on-queue',
      team: 'voice',
      withinMs: HOUR,
      types: ['training', 'meeting'],
      maxAgents: 5,
      order: 'activity-soonest',
    };
    const r = await p.plan(intent(toOnQueue, `${F}T09:50`));
    expect(r.adjustments).toHaveLength(1);
    expect(r.adjustments[0]).toMatchObject({
      shiftId: 's1',
      mutation: {
        kind: 'activities-to-on-queue',
        from: '2026-11-27T02:15:00Z',
        to: '2026-11-27T03:00:00Z',
        types: ['meeting', 'training'],
      },
    });
  });

  it('swaps by exchanging the owners of two shifts, and never into an overlap or a short rest', async () => {
    const p = planner([
      shift('donor-now', 'd1', 'flex', `${F}T10:00`, `${F}T18:00`),
      shift('donor-next', 'd1', 'flex', '2026-11-28T08:00', '2026-11-28T16:00'),
      shift('late-a', 'v1', 'voice', `${F}T14:00`, `${F}T22:00`),
      shift('late-b', 'v2', 'voice', `${F}T15:00`, `${F}T23:00`),
      shift('v1-early', 'v1', 'voice', `${F}T01:00`, `${F}T05:00`),
    ]);
    const swap = {
      kind: 'swap',
      team: 'voice',
      donorTeam: 'flex',
      startingWithinMs: 90 * MIN,
      minNoticeMs: 15 * MIN,
      laterWithinMs: 10 * HOUR,
      maxLengthDifferenceMs: 0,
      maxPairs: 1,
    } as const;
    const r = await p.plan(intent(swap, `${F}T09:30`, { guardrails: { minRestMs: 8 * HOUR } }));
    // v1 would work 10:00 after a shift ending 05:00 (5h rest); with late-b, d1 rests 9h before 08:00 (fine)
    expect(r.skipped[0]).toMatchObject({ shiftIds: ['donor-now', 'late-a'], guardrail: 'minRest' });
    expect(r.adjustments).toEqual([
      expect.objectContaining({
        kind: 'swap',
        action: 'swap',
        teamId: 'voice',
        a: expect.objectContaining({ shiftId: 'donor-now', agentId: 'd1' }),
        b: expect.objectContaining({ shiftId: 'late-b', agentId: 'v2' }),
      }),
    ]);
    expect(Adjustment.parse(r.adjustments[0])).toEqual(r.adjustments[0]);
  });

  it('sees its own earlier decisions: a planned extension counts toward the maximum length', async () => {
    const p = planner([shift('s1', 'a1', 'voice', `${F}T01:00`, `${F}T10:00`)]);
    const g = { maxShiftLengthMs: 9.75 * HOUR, maxAdjustmentsPerAgentPerDay: 5 };
    expect((await p.plan(intent(extend(), `${F}T09:30`, { guardrails: g }))).adjustments).toHaveLength(1);
    const second = await p.plan(intent(extend(), `${F}T09:45`, { guardrails: g, ruleId: 'r2' }));
    expect(second.skipped[0]).toMatchObject({ guardrail: 'maxShiftLength' });
  });

  it('gives the same idempotency keys for the same decisions, and different ones for different decisions', async () => {
    const shifts = [shift('s1', 'a1', 'voice', `${F}T02:00`, `${F}T10:00`)];
    const k = async (over = {}) =>
      (await planner(shifts).plan(intent(extend(), `${F}T09:30`, over))).adjustments[0]!.key;
    expect(await k()).toBe(await k());
    expect(await k({ ruleId: 'other' })).not.toBe(await k());
    expect(await k({ repeat: 1 })).not.toBe(await k());
    expect(await k()).toMatch(/^tr1-[0-9a-f]{40}$/);
  });

  it('stops producing adjustments while the kill switch file exists, and resumes when it is removed', async () => {
    const ks = new FileKillSwitch(join(mkdtempSync(join(tmpdir(), 'ks-')), 'kill'));
    const p = planner([shift('s1', 'a1', 'voice', `${F}T02:00`, `${F}T10:00`)], { killSwitch: ks });
    await ks.engage('publish incident #42');
    const stopped = await p.plan(intent(extend(), `${F}T09:30`));
    expect(stopped.adjustments).toEqual([]);
    expect(stopped.skipped[0]).toMatchObject({
      guardrail: 'killSwitch',
      detail: 'kill switch engaged: publish incident #42',
    });
    await ks.release();
    expect((await p.plan(intent(extend(), `${F}T09:31`))).adjustments).toHaveLength(1);
  });

  it('restored from its snapshot, plans exactly as an uninterrupted planner', async () => {
    const shifts = [1, 2, 3, 4, 5].map((i) =>
      shift(`s${i}`, `a${i}`, 'voice', `${F}T0${i}:00`, `${F}T${String(8 + i).padStart(2, '0')}:00`),
    );
    const intents = ['09:00', '09:20', '10:10', '11:05', '12:30', '13:00'].map((t, i) =>
      intent(extend(1), `${F}T${t}`, { ruleId: `r${i}` }),
    );
    const straight = planner(shifts);
    const expected = [];
    for (const i of intents) expected.push(await straight.plan(i));
    for (let cut = 1; cut < intents.length; cut++) {
      const first = planner(shifts);
      const got = [];
      for (const i of intents.slice(0, cut)) got.push(await first.plan(i));
      const state = JSON.parse(JSON.stringify(await first.snapshot()));
      const second = new Planner(
        { source: new SnapshotScheduleSource(snapshot(shifts)), businessUnit: { zone: ZONE, weekStart: 7 } },
        state,
      );
      for (const i of intents.slice(cut)) got.push(await second.plan(i));
      expect(got).toEqual(expected);
    }
  });

  it('reads each team schedule once per TTL, and again after invalidate', async () => {
    let now = 0;
    // time moves only when the test moves it: nothing waiting on the clock wakes meanwhile
    const clock: Clock = { now: () => now, sleep: () => new Promise<void>(() => {}) };
    const source = new SnapshotScheduleSource(
      snapshot([shift('s1', 'a1', 'voice', `${F}T02:00`, `${F}T10:00`)]),
    );
    let reads = 0;
    const counting = {
      listShifts: (q: Parameters<typeof source.listShifts>[0]) => {
        reads++;
        return source.listShifts(q);
      },
      listAgents: source.listAgents.bind(source),
    };
    const p = new Planner({
      source: counting,
      businessUnit: { zone: ZONE, weekStart: 7 },
      clock,
      cacheTtlMs: 60_000,
    });
    await p.plan(intent(extend(), `${F}T09:30`));
    await p.plan(intent(extend(), `${F}T09:31`, { ruleId: 'r2' }));
    expect(reads).toBe(1);
    now += 61_000;
    await p.plan(intent(extend(), `${F}T09:32`, { ruleId: 'r3' }));
    expect(reads).toBe(2);
    p.invalidate('voice');
    await p.plan(intent(extend(), `${F}T09:33`, { ruleId: 'r4' }));
    expect(reads).toBe(3);
  });

  it('plans on the schedule as read again after invalidate, not on the view it planned with before', async () => {
    let shifts = [shift('s1', 'a1', 'voice', `${F}T02:00`, `${F}T10:00`)];
    const source = {
      listShifts: (q: Parameters<SnapshotScheduleSource['listShifts']>[0]) =>
        new SnapshotScheduleSource(snapshot(shifts)).listShifts(q),
      listAgents: (q: Parameters<SnapshotScheduleSource['listAgents']>[0]) =>
        new SnapshotScheduleSource(snapshot(shifts)).listAgents(q),
    };
    const p = new Planner({ source, businessUnit: { zone: ZONE, weekStart: 7 } });
    const g = { maxAdjustmentsPerAgentPerDay: 5, maxAgentsPerTeamPerHour: 10 };
    // nothing ends within the next 2 h at 06:00: no candidates, the same view twice
    expect((await p.plan(intent(extend(), `${F}T06:00`, { guardrails: g }))).adjustments).toHaveLength(0);
    expect(
      (await p.plan(intent(extend(), `${F}T06:01`, { guardrails: g, ruleId: 'r2' }))).adjustments,
    ).toHaveLength(0);
    // the WFM now has a shift ending at 07:00; once read again, the planner extends it
    shifts = [...shifts, shift('s2', 'a2', 'voice', `${F}T00:00`, `${F}T07:00`)];
    p.invalidate('voice');
    const after = await p.plan(intent(extend(), `${F}T06:02`, { guardrails: g, ruleId: 'r3' }));
    expect(after.adjustments.map((a) => (a.kind === 'update' ? a.shiftId : a.kind))).toEqual(['s2']);
  });

  it('pulls a later shift forward, never to before now, and checks the rest before it', async () => {
    const p = planner([
      shift('prev', 'a1', 'voice', '2026-11-26T20:00', `${F}T02:00`),
      shift('s1', 'a1', 'voice', `${F}T11:00`, `${F}T19:00`),
      shift('s2', 'a2', 'voice', `${F}T10:15`, `${F}T18:15`),
    ]);
    const pull = {
      kind: 'pull-forward',
      team: 'voice',
      byMs: HOUR,
      startingWithinMs: 2 * HOUR,
      maxAgents: 5,
      order: 'starting-soonest',
    } as const;
    const r = await p.plan(intent(pull, `${F}T09:50`, { guardrails: { minRestMs: 10 * HOUR } }));
    // s2 can only come forward to 10:00 (the next grid slot after now); s1 would leave a1 8h of rest
    expect(r.adjustments.map((a) => a.kind === 'update' && [a.shiftId, a.mutation])).toEqual([
      ['s2', { kind: 'set-start', start: new Date(sgt(`${F}T10:00`)).toISOString().replace('.000', '') }],
    ]);
    expect(r.skipped).toMatchObject([{ shiftIds: ['s1'], guardrail: 'minRest' }]);
  });
});
