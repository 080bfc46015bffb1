import { afterEach, describe, expect, it } from 'vitest';
import { generateSchedule } from '../../../src/sandbox/generate.js';
import type { GenesysSandboxOptions } from '../../../src/sandbox/genesys-cloud/options.js';
import {
  type RunningGenesysSandbox,
  startGenesysSandbox,
} from '../../../src/sandbox/genesys-cloud/server.js';
import type { Shift } from '../../../src/wfm/contract.js';
import {
  WfmAuthRejectedError,
  WfmNotFoundError,
  WfmScheduleConflictError,
  WfmScheduleLockedError,
  WfmVersionConflictError,
} from '../../../src/wfm/errors.js';
import { GenesysCloudWfm, type GenesysCloudWfmOptions } from '../../../src/wfm/genesys-cloud/backend.js';
import { MemoryOutcomeSink } from '../../../src/writer/outcome.js';
import { Writer } from '../../../src/writer/writer.js';
import { sandboxAdminRequest } from '../../support/sandbox-admin-http.js';
import { update } from '../../writer/support/adjustments.js';
import { until } from '../../writer/support/fixture.js';
import { JumpClock } from '../../writer/support/jump-clock.js';

/** Wednesday 2026-11-25 10:00 SGT: inside the first week (from Sunday 22 Nov), outside any publish window. */
const WEDNESDAY = '2026-11-25T02:00:00Z';
const TEAM = 'team-apac-01';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

const snapshot = () =>
  generateSchedule({
    agents: 6,
    teams: 2,
    zone: 'Asia/Singapore',
    weekStart: '2026-11-22',
    days: 14,
    seed: 7,
  });

async function org(options: GenesysSandboxOptions = {}): Promise<RunningGenesysSandbox> {
  const s = await startGenesysSandbox({
    port: 0,
    snapshot: snapshot(),
    clockStart: Date.parse(WEDNESDAY),
    clockFrozen: true,
    ...options,
    behaviour: { jobMs: 5, ...options.behaviour },
  });
  running.push(s);
  return s;
}

function backend(s: RunningGenesysSandbox, o: Partial<GenesysCloudWfmOptions> = {}): GenesysCloudWfm {
  const b = new GenesysCloudWfm({
    apiBaseUrl: s.apiBaseUrl,
    loginBaseUrl: s.loginUrl,
    businessUnitId: 'bu-apac',
    clientId: 'trunk-reactor',
    clientSecret: 'sandbox-secret',
    clock: { now: () => s.wfm.clock.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    ...o,
    uploads: { resultTimeoutMs: 2_000, unknownSettleMs: 50, readBackLaterMs: 200, ...o.uploads },
  });
  running.push(b);
  return b;
}

interface LedgerEntry {
  kind: string;
  operationId: string | null;
  userId: string;
  shifts: Array<{ shiftId: string; change: string; after?: { manuallyEdited?: boolean } }>;
}

async function admin(
  s: RunningGenesysSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ entries: LedgerEntry[]; id?: string }> {
  return (await sandboxAdminRequest<{ entries: LedgerEntry[]; id?: string }>(s.url, method, path, body)).body;
}

async function ledger(s: RunningGenesysSandbox): Promise<LedgerEntry[]> {
  return (await admin(s, 'GET', '/ledger?limit=10000')).entries;
}

const DAY = { from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z' };
const plus = (iso: string, minutes: number) =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString().replace('.000Z', 'Z');

/** The shift extended by 30 minutes of on-queue work. */
function extended(s: Shift): { version: number; end: string; activities: Shift['activities'] } {
  const end = plus(s.end, 30);
  return { version: s.version, end, activities: [...s.activities, { type: 'on-queue', start: s.end, end }] };
}

describe('Genesys Cloud backend: reads', () => {
  it('learns the business unit zone and week start, and reads a team day with each agent version and the week in the BU zone', async () => {
    const s = await org();
    const b = backend(s);
    const o = await b.org();
    expect(o.zone).toBe('Asia/Singapore');
    expect(o.weekStart).toBe(7);
    const shifts = await b.listShifts({ teamId: TEAM, ...DAY });
    const expected = snapshot().shifts.filter(
      (x) => x.teamId === TEAM && x.start < DAY.to && DAY.from < x.end,
    );
    expect(shifts.map((x) => x.id).sort()).toEqual(expected.map((x) => x.id).sort());
    for (const shift of shifts) {
      expect(shift.teamId).toBe(TEAM);
      expect(shift.week).toBe('2026-11-22');
      expect(shift.version).toBe(1);
      const source = expected.find((x) => x.id === shift.id)!;
      expect([shift.start, shift.end, shift.activities]).toEqual([
        source.start,
        source.end,
        source.activities,
      ]);
      expect(shift.activities[0]!.start).toBe(shift.start);
      expect(shift.activities.at(-1)!.end).toBe(shift.end);
    }
    const agents = await b.listAgents({ teamId: TEAM });
    expect(agents.map((a) => a.id).sort()).toEqual([...new Set(shifts.map((x) => x.agentId))].sort());
  });

  it('reads the same shifts whichever shape the query answer takes: inline, a download URL, Processing then announced, or Processing for a set it must halve', async () => {
    const shapes: Array<[string, GenesysSandboxOptions['behaviour']]> = [
      ['inline', { queryAnswer: 'inline' }],
      ['download', { queryAnswer: 'download' }],
      ['announced', { queryAnswer: 'async', clientCredentialsUserTopics: true }],
      ['halved', { queryAnswer: 'auto', asyncAboveAgents: 1 }],
    ];
    const answers: Record<string, Shift[]> = {};
    for (const [name, behaviour] of shapes) {
      const s = await org({ behaviour });
      const b = backend(s, { uploads: { queryAsyncWaitMs: 1_000 } });
      answers[name] = await b.listShifts({ teamId: TEAM, ...DAY });
    }
    expect(answers.inline!.length).toBeGreaterThan(0);
    expect(answers.download).toEqual(answers.inline);
    expect(answers.announced).toEqual(answers.inline);
    expect(answers.halved).toEqual(answers.inline);
  });

  it('reads single agents asked for together in one query per management unit', async () => {
    const s = await org();
    const b = backend(s);
    const byAgent = [...new Map((await b.listShifts(DAY)).map((x) => [x.agentId, x])).values()];
    expect(new Set(byAgent.map((x) => x.teamId)).size).toBe(2);
    const before = b.http.calls.api;
    const read = await Promise.all(byAgent.map((x) => b.getShift(x.id)));
    expect(read.map((x) => x.id)).toEqual(byAgent.map((x) => x.id));
    expect(b.http.calls.api - before).toBe(2);
  });

  it('asks again only the unit whose query answered 5xx, and keeps the others answers', async () => {
    const s = await org();
    const queries: number[] = [];
    const b = backend(s, {
      onRequest: (e) => {
        if (e.route.endsWith('/agentschedules/query')) queries.push(e.status ?? 0);
      },
    });
    await b.org();
    await b.listShifts(DAY);
    expect(queries).toEqual([200, 200]);
    queries.length = 0;
    // Every other request fails: some unit's query fails at least once, none three times in a row.
    await admin(s, 'PUT', '/faults', { errorRate: 0.5, seed: 8 });
    const shifts = await b.listShifts(DAY);
    await admin(s, 'PUT', '/faults', { errorRate: 0 });
    expect(new Set(shifts.map((x) => x.agentId)).size).toBe(6);
    const failures = queries.filter((q) => q >= 500).length;
    expect(failures).toBeGreaterThan(0);
    // Two units: each answered once, and a failed query asked again alone.
    expect(queries.filter((q) => q === 200)).toHaveLength(2);
    expect(queries).toHaveLength(2 + failures);
  });

  it('finds a shift it never read, of another team, in a schedule already met, even when its clock is weeks past the schedule', async () => {
    const s = await org();
    const later = Date.parse(WEDNESDAY) + 60 * 86_400_000;
    const b = backend(s, {
      clock: { now: () => later, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    });
    await b.listShifts({ teamId: TEAM, ...DAY });
    const other = snapshot().shifts.find((x) => x.teamId !== TEAM && x.start < DAY.to && DAY.from < x.end)!;
    const found = await b.getShift(other.id);
    expect([found.id, found.agentId, found.start]).toEqual([other.id, other.agentId, other.start]);
  });

  it('refuses wrong client credentials with an error that never shows the secret', async () => {
    const s = await org();
    const b = backend(s, { clientSecret: 'wrong-secret-value' });
    const err = await b.listShifts({ teamId: TEAM, ...DAY }).catch((e) => e);
    expect(err).toBeInstanceOf(WfmAuthRejectedError);
    expect(String(err.message)).not.toContain('wrong-secret-value');
    expect(JSON.stringify(err)).not.toContain('wrong-secret-value');
  });
});

describe('Genesys Cloud backend: writes through uploads', () => {
  it('extends a shift through one upload: the agent sent whole, the shift marked manually edited, the answer the shift as written', async () => {
    const s = await org();
    const b = backend(s);
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    const written = await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' });
    expect(written.end).toBe(plus(shift!.end, 30));
    expect(written.version).toBe(shift!.version + 1);
    const entries = (await ledger(s)).filter((e) => e.kind === 'update');
    expect(entries).toHaveLength(1);
    const edited = entries[0]!.shifts.filter((x) => x.change !== 'unchanged');
    expect(edited.map((x) => [x.shiftId, x.change])).toEqual([[shift!.id, 'edited']]);
    expect(edited[0]!.after?.manuallyEdited).toBe(true);
    const again = await b.getShift(shift!.id);
    expect(again).toEqual(written);
  });

  it('gathers concurrent changes of many agents into one upload', async () => {
    const s = await org();
    const b = backend(s);
    const shifts = await b.listShifts(DAY);
    const byAgent = new Map(shifts.map((x) => [x.agentId, x]));
    expect(byAgent.size).toBe(6);
    const before = b.http.calls.api;
    const written = await Promise.all(
      [...byAgent.values()].map((x, i) => b.patchShift(x.id, extended(x), { idempotencyKey: `k${i}` })),
    );
    expect(written.every((w, i) => w.end === plus([...byAgent.values()][i]!.end, 30))).toBe(true);
    const ops = new Set((await ledger(s)).filter((e) => e.kind === 'update').map((e) => e.operationId));
    expect(ops.size).toBe(1);
    expect(b.stats.uploads).toBe(1);
    // uploadurl and update: the Complete result names the agents, so none is read back
    expect(b.http.calls.api - before).toBe(2);
  });

  it('answers a change based on an old agent version with a version conflict carrying the fresh shift', async () => {
    const s = await org();
    const b = backend(s);
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' });
    const err = await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k2' }).catch((e) => e);
    expect(err).toBeInstanceOf(WfmVersionConflictError);
    expect(err.currentShift.version).toBe(shift!.version + 1);
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(1);
  });

  it('when another integration races one agent, the others of the upload are applied and the raced one gets a conflict', async () => {
    const s = await org({ faults: { mutatorBeforeWriteShare: 0.5, seed: 3 } });
    const b = backend(s);
    const shifts = await b.listShifts(DAY);
    const byAgent = [...new Map(shifts.map((x) => [x.agentId, x])).values()];
    const results = await Promise.allSettled(
      byAgent.map((x, i) => b.patchShift(x.id, extended(x), { idempotencyKey: `k${i}` })),
    );
    const conflicts = results.filter((r) => r.status === 'rejected');
    const applied = results.filter((r) => r.status === 'fulfilled');
    expect(conflicts.length).toBeGreaterThan(0);
    expect(applied.length).toBeGreaterThan(0);
    for (const c of conflicts)
      expect((c as PromiseRejectedResult).reason).toBeInstanceOf(WfmVersionConflictError);
    const updates = (await ledger(s)).filter((e) => e.kind === 'update');
    expect(new Set(updates.map((e) => e.userId)).size).toBe(applied.length);
  });

  it('sends the others of an upload failed by one stale agent again at once, together, none alone', async () => {
    const s = await org();
    const b = backend(s);
    const byAgent = [...new Map((await b.listShifts(DAY)).map((x) => [x.agentId, x])).values()];
    // Another integration moves one agent, and only the agent: the schedule's version stays.
    const stale = byAgent[2]!;
    const schedule = s.wfm.store.state.schedules.find((x) => x.published && x.weekCount === 1)!;
    const other = { kind: 'mutator' as const, clientId: 'other', operationId: null, at: s.wfm.clock.now() };
    s.wfm.store.bumpAgent(schedule, stale.agentId, other, false);
    const results = await Promise.allSettled(
      byAgent.map((x, i) => b.patchShift(x.id, extended(x), { idempotencyKey: `k${i}` })),
    );
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(WfmVersionConflictError);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    // The first upload failed whole; the five went again as one upload, not bisected.
    expect(b.stats.uploads).toBe(2);
    expect(b.stats.changesBisected).toBe(0);
    const ops = new Set((await ledger(s)).filter((e) => e.kind === 'update').map((e) => e.operationId));
    expect(ops.size).toBe(1);
  });

  it('when Genesys moves an agent further than version + 1, the next write to it costs one refused upload and is applied after a read, never twice', async () => {
    const s = await org({ behaviour: { agentVersionStep: 3 } });
    const b = backend(s);
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    // Complete names the agent: it is taken at its version + 1, which this org does not give.
    const first = await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' });
    expect(first.version).toBe(shift!.version + 1);
    const again = { ...extended(first), version: first.version };
    const err = await b.patchShift(shift!.id, again, { idempotencyKey: 'k2' }).catch((e) => e);
    expect(err).toBeInstanceOf(WfmVersionConflictError);
    expect(err.mayHaveLanded).toBe(false);
    expect(err.currentShift.version).toBe(shift!.version + 3);
    const written = await b.patchShift(
      shift!.id,
      { ...extended(err.currentShift), version: err.currentShift.version },
      { idempotencyKey: 'k3' },
    );
    expect(written.end).toBe(plus(shift!.end, 60));
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(2);
  });

  it('settles a write whose result was never announced by reading the agent back', async () => {
    const s = await org({ faults: { notificationLossRate: 1 } });
    const b = backend(s, { uploads: { resultTimeoutMs: 300 } });
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    const written = await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' });
    expect(written.end).toBe(plus(shift!.end, 30));
    expect(b.stats.resultsTimedOut).toBe(1);
  });

  it('settles a write at once when the result channel reconnects, since its announcement may have been lost meanwhile', async () => {
    const s = await org({ faults: { notificationLossRate: 1 } });
    // Were the wait not ended by the reconnect, this test would time out long before the result timeout.
    const b = backend(s, { uploads: { resultTimeoutMs: 600_000 } });
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    const pending = b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' });
    while ((await ledger(s)).filter((e) => e.kind === 'update').length === 0)
      await new Promise((r) => setTimeout(r, 10));
    await admin(s, 'POST', '/notifications/drop', {});
    const written = await pending;
    expect(written.end).toBe(plus(shift!.end, 30));
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(1);
  }, 20_000);

  it('settles a lost /update answer whose job ran by finding the upload in place: applied once, never sent twice', async () => {
    const s = await org({ faults: { errorAfterWriteRate: 1 } });
    const b = backend(s);
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    const written = await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' });
    expect(written.end).toBe(plus(shift!.end, 30));
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(1);
  });

  it('marks a conflict found while settling a lost answer as one that may have landed', async () => {
    const s = await org({ faults: { notificationLossRate: 1 } });
    const b = backend(s, { uploads: { resultTimeoutMs: 300 } });
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    // Another integration changes the agent again after the job: the upload is no longer in place.
    const pending = b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' }).catch((e) => e);
    const schedule = s.wfm.store.state.schedules.find((x) => x.published && x.weekCount === 1)!;
    while ((await ledger(s)).filter((e) => e.kind === 'update').length === 0)
      await new Promise((r) => setTimeout(r, 10));
    const other = schedule.agents[shift!.agentId]!.shifts.find((x) => x.id !== shift!.id)!;
    const meeting = s.wfm.store.state.activityCodes.find((c) => c.category === 'Meeting' && c.defaultCode)!;
    other.activities[0]!.activityCodeId = meeting.id;
    s.wfm.store.bumpAgent(schedule, shift!.agentId, {
      kind: 'mutator',
      clientId: 'other',
      operationId: null,
      at: s.wfm.clock.now(),
    });
    const err = await pending;
    expect(err).toBeInstanceOf(WfmVersionConflictError);
    expect(err.mayHaveLanded).toBe(true);
    expect(err.currentShift.end).toBe(plus(shift!.end, 30));
  });

  it('swaps two agents shifts in one upload, both or neither, and finds each shift again under its new id', async () => {
    const s = await org();
    const b = backend(s);
    const shifts = await b.listShifts({ teamId: TEAM, ...DAY });
    const [x, y] = shifts;
    const [result] = await b.swapShifts(
      [
        {
          swapId: 'sw1',
          a: { shiftId: x!.id, version: x!.version },
          b: { shiftId: y!.id, version: y!.version },
        },
      ],
      { idempotencyKey: 'sw1' },
    );
    expect(result!.status).toBe('applied');
    const [nowA, nowB] = result!.shifts!;
    expect([nowA!.agentId, nowA!.start, nowA!.end]).toEqual([y!.agentId, x!.start, x!.end]);
    expect([nowB!.agentId, nowB!.start, nowB!.end]).toEqual([x!.agentId, y!.start, y!.end]);
    const ops = (await ledger(s)).filter((e) => e.kind === 'update');
    expect(new Set(ops.map((e) => e.operationId)).size).toBe(1);
    expect((await b.getShift(x!.id)).agentId).toBe(y!.agentId);
  });

  /** Swaps x and y (two agents of TEAM); resolves with the result, and says when its upload is in the ledger. */
  async function swapOf(s: RunningGenesysSandbox, b: GenesysCloudWfm, x: Shift, y: Shift) {
    const result = b.swapShifts(
      [{ swapId: 'sw1', a: { shiftId: x.id, version: x.version }, b: { shiftId: y.id, version: y.version } }],
      { idempotencyKey: 'sw1' },
    );
    let settled = false;
    void result.then(() => {
      settled = true;
    });
    await until(async () => (await ledger(s)).some((e) => e.kind === 'update'), 'the swap upload');
    return { result, settled: () => settled };
  }

  it("reads a swap's agents back with the next query of their unit, at no query of its own", async () => {
    const s = await org();
    const b = backend(s, { uploads: { readBackLaterMs: 600_000 } });
    const shifts = await b.listShifts({ teamId: TEAM, ...DAY });
    const [x, y, z] = shifts;
    const before = b.http.calls.api;
    const swap = await swapOf(s, b, x!, y!);
    // Applied, but its new shift ids are unknown until the agents are read: the outcome waits.
    await new Promise((r) => setTimeout(r, 100));
    expect(swap.settled()).toBe(false);
    // Another read of the same unit (a third agent's shift) brings the swap's agents along.
    await b.getShift(z!.id);
    const [result] = await swap.result;
    expect(result!.status).toBe('applied');
    expect(result!.shifts!.map((r) => [r.agentId, r.start])).toEqual([
      [y!.agentId, x!.start],
      [x!.agentId, y!.start],
    ]);
    // uploadurl, update, and the third agent's query
    expect(b.http.calls.api - before).toBe(3);
  });

  it("reads a swap's agents back on their own when no query of their unit comes in time", async () => {
    const s = await org();
    const b = backend(s, { uploads: { readBackLaterMs: 300 } });
    const [x, y] = await b.listShifts({ teamId: TEAM, ...DAY });
    const before = b.http.calls.api;
    const swap = await swapOf(s, b, x!, y!);
    const [result] = await swap.result;
    expect(result!.status).toBe('applied');
    expect(b.http.calls.api - before).toBe(3);
    expect((await b.getShift(x!.id)).agentId).toBe(y!.agentId);
  });

  it("reads a swap's agents before an upload touches them again, so the upload is not refused on their version", async () => {
    const s = await org();
    const b = backend(s, { uploads: { readBackLaterMs: 600_000 } });
    const week = await b.listShifts({ teamId: TEAM, from: DAY.from, to: '2026-11-28T00:00:00Z' });
    const [x, y] = week.filter((w) => w.start < DAY.to);
    const later = week.find((w) => w.agentId === x!.agentId && w.start >= DAY.to)!;
    expect(later).toBeDefined();
    const swap = await swapOf(s, b, x!, y!);
    // The agent's copy is read before the change is built: its version moved with the swap,
    // which answers the change made on the old version without a refused upload.
    const err = await b
      .patchShift(later.id, extended(later), { idempotencyKey: 'k-later' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WfmVersionConflictError);
    const fresh = (err as WfmVersionConflictError).currentShift!;
    expect(fresh.version).toBe(later.version + 1);
    const [result] = await swap.result;
    expect(result!.status).toBe('applied');
    const written = await b.patchShift(later.id, extended(fresh), { idempotencyKey: 'k-later' });
    expect(written.end).toBe(plus(later.end, 30));
    // Two uploads, neither refused.
    expect(b.stats.uploads).toBe(2);
    expect(b.stats.uploadsFailed).toBe(0);
    const ops = new Set((await ledger(s)).filter((e) => e.kind === 'update').map((e) => e.operationId));
    expect(ops.size).toBe(2);
  });

  it('defers through a reschedule run in progress over the agent management unit', async () => {
    const s = await org();
    const b = backend(s);
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    const schedule = s.wfm.store.state.schedules.find((x) => x.published && x.weekCount === 1)!;
    await admin(s, 'POST', '/scheduling-runs', { scheduleId: schedule.id, state: 'Scheduling' });
    const err = await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' }).catch((e) => e);
    expect(err).toBeInstanceOf(WfmScheduleLockedError);
    expect(err.week).toBe('2026-11-22');
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(0);
  });

  it('ends a writer deferral through a reschedule run when the run is heard to end, not at the end the lock was given', async () => {
    const s = await org();
    const clock = new JumpClock(Date.parse(WEDNESDAY));
    // The lock is given ten minutes: were it not ended by the run's Complete, the test would time out.
    const b = backend(s, { clock, uploads: { runLockRetryMs: 600_000 } });
    const sink = new MemoryOutcomeSink();
    const writer = new Writer({ adapter: b, clock, sink, businessUnit: { timeZone: 'Asia/Singapore' } });
    running.push({ close: () => writer.close() });
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    const schedule = s.wfm.store.state.schedules.find((x) => x.published && x.weekCount === 1)!;
    const run = await admin(s, 'POST', '/scheduling-runs', { scheduleId: schedule.id, state: 'Scheduling' });
    const result = writer.submit(update(shift!, { kind: 'set-end', end: plus(shift!.end, 30) }));
    await until(() => sink.records.some((r) => r.status === 'deferred'), 'the deferral');
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(0);
    await admin(s, 'PUT', `/scheduling-runs/${run.id}`, { state: 'Complete' });
    const outcome = await result;
    expect(outcome).toMatchObject({ status: 'applied', deferrals: 1 });
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(1);
  }, 20_000);

  it('reads an Error at unchanged versions inside the publish window as the week being published', async () => {
    const s = await org();
    const window = { dayOfWeek: 3 as const, time: '09:55', durationMinutes: 30, zone: 'Asia/Singapore' };
    await admin(s, 'PUT', '/publish-window', window);
    const b = backend(s, { publishWindow: window });
    const [shift] = await b.listShifts({ teamId: TEAM, ...DAY });
    const err = await b.patchShift(shift!.id, extended(shift!), { idempotencyKey: 'k1' }).catch((e) => e);
    expect(err).toBeInstanceOf(WfmScheduleLockedError);
    expect(Date.parse(err.lockedUntil)).toBe(Date.parse('2026-11-25T02:25:00Z'));
  });

  it('isolates a change Genesys refuses from the others of its upload, and rejects it alone as a bare conflict', async () => {
    const s = await org();
    const b = backend(s);
    const shifts = await b.listShifts(DAY);
    const byAgent = [...new Map(shifts.map((x) => [x.agentId, x])).values()];
    // Off the 15-minute grid: refused by Genesys' validation, which gives no reason.
    const bad = byAgent[0]!;
    const offGrid = {
      version: bad.version,
      end: plus(bad.end, 7),
      activities: [...bad.activities, { type: 'on-queue' as const, start: bad.end, end: plus(bad.end, 7) }],
    };
    const results = await Promise.allSettled([
      b.patchShift(bad.id, offGrid, { idempotencyKey: 'bad' }),
      ...byAgent.slice(1).map((x, i) => b.patchShift(x.id, extended(x), { idempotencyKey: `k${i}` })),
    ]);
    expect(results[0]!.status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(WfmScheduleConflictError);
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('answers a change for an agent taken out of the schedule with not found, and writes the others', async () => {
    const s = await org();
    const b = backend(s);
    const shifts = await b.listShifts(DAY);
    const byAgent = [...new Map(shifts.map((x) => [x.agentId, x])).values()];
    const gone = byAgent[0]!;
    const schedule = s.wfm.store.state.schedules.find(
      (x) => x.published && x.agents[gone.agentId]?.shifts.some((y) => y.id === gone.id),
    )!;
    delete schedule.agents[gone.agentId];
    const results = await Promise.allSettled(
      byAgent.map((x, i) => b.patchShift(x.id, extended(x), { idempotencyKey: `k${i}` })),
    );
    expect(results[0]!.status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(WfmNotFoundError);
    expect(String((results[0] as PromiseRejectedResult).reason.message)).toContain(gone.agentId);
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('splits an upload that would pass the request size limit', async () => {
    const s = await org();
    const b = backend(s, { uploads: { maxBytes: 700 } });
    const shifts = await b.listShifts(DAY);
    const byAgent = [...new Map(shifts.map((x) => [x.agentId, x])).values()];
    await Promise.all(byAgent.map((x, i) => b.patchShift(x.id, extended(x), { idempotencyKey: `k${i}` })));
    expect(b.stats.uploads).toBeGreaterThan(1);
    expect((await ledger(s)).filter((e) => e.kind === 'update')).toHaveLength(6);
  });
});
