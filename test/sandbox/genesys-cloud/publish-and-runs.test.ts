import { describe, expect, it } from 'vitest';
import type { GenesysBehaviour } from '../../../src/sandbox/genesys-cloud/options.js';
import { parseInstant } from '../../../src/time/instant.js';
import {
  type AgentSchedule,
  admin,
  api,
  channel,
  type ErrorBody,
  genesys,
  type Listing,
  publishedSchedule,
  queryAgents,
  type Target,
  token,
  uploadAndUpdate,
  WFM,
} from './fixture.js';

// The default publish window: Sunday 02:00 Asia/Singapore for 30 minutes, publishing the week it opens in.
const BEFORE = parseInstant('2026-11-29T01:50:00+08:00');
const MU1 = 'mu-team-apac-01';
const MU2 = 'mu-team-apac-02';

/** An upload that sends one agent's schedule back as it is, on the versions just read. */
async function touch(s: Awaited<ReturnType<typeof genesys>>, t: string, target: Target, mu: string) {
  const [agent] = (await queryAgents(s, t, target, { managementUnitId: mu })) as [AgentSchedule];
  const schedule = await api<{ metadata: { version: number } }>(
    s,
    t,
    'GET',
    `${WFM}/businessunits/${target.buId}/weeks/${target.weekDate}/schedules/${target.scheduleId}`,
  );
  return uploadAndUpdate(s, t, target, {
    metadata: { version: schedule.body.metadata.version },
    agentSchedules: [
      {
        userId: agent.user.id,
        metadata: { version: agent.metadata.version },
        shifts: agent.shifts.map(({ id, startDate, lengthMinutes, activities }) => ({
          id,
          startDate,
          lengthMinutes,
          activities,
        })),
      },
    ],
  });
}

async function setUp(behaviour: Partial<GenesysBehaviour> = {}) {
  const s = await genesys({ clockStart: BEFORE, behaviour });
  const t = await token(s);
  const target = await publishedSchedule(s, t, '2026-11-29');
  const socket = await channel(s, t, [s.wfm.schedulesTopic, s.wfm.runsTopic]);
  const result = async (operationId: string) =>
    (await socket.next((m) => m.eventBody.operationId === operationId)).eventBody.status;
  return { s, t, target, socket, result };
}

describe('genesys-cloud sandbox: the publish job', () => {
  it('publishes the week when the window opens: an Update on the schedules topic, the schedule’s and every agent’s version bumped once', async () => {
    const { s, t, target, socket } = await setUp();
    await admin(s, 'PUT', '/clock', { now: '2026-11-29T02:05:00+08:00' });
    await admin(s, 'PUT', '/clock', { now: '2026-11-29T02:06:00+08:00' });
    const note = await socket.next((m) => m.eventBody.eventType === 'Update');
    expect(note.eventBody.result).toMatchObject({
      id: target.scheduleId,
      published: true,
      metadata: { version: 2 },
    });
    const published = s.wfm.store.ledger.since(1).entries.filter((e) => e.kind === 'publish');
    expect(published).toHaveLength(6);
    expect(new Set(published.map((e) => e.scheduleId))).toEqual(new Set([target.scheduleId]));
    expect(published.every((e) => e.at === '2026-11-28T18:00:00.000Z' && e.version === 2)).toBe(true);
    const agents = await queryAgents(s, t, target, { managementUnitId: MU1 });
    expect(agents.every((a) => a.metadata.version === 2)).toBe(true);
  });

  it('ends an update to the week being published in an Error result, and applies it after the window', async () => {
    const { s, t, target, result } = await setUp();
    await admin(s, 'PUT', '/clock', { now: '2026-11-29T02:10:00+08:00' });
    const during = await touch(s, t, target, MU1);
    expect(await result(during.body.operationId)).toBe('Error');
    const op = await admin<{ reason: string }>(s, 'GET', `/operations/${during.body.operationId}`);
    expect(op.body.reason).toMatch(
      /the week of 2026-11-29 is being published until 2026-11-28T18:30:00.000Z/,
    );
    const other = await publishedSchedule(s, t, '2026-11-22');
    expect(await result((await touch(s, t, other, MU1)).body.operationId)).toBe('Complete');
    await admin(s, 'PUT', '/clock', { now: '2026-11-29T02:30:00+08:00' });
    expect(await result((await touch(s, t, target, MU1)).body.operationId)).toBe('Complete');
  });

  it('answers the update with 409 and Retry-After until the window closes when publishLockAnswer is http-409', async () => {
    const { s, t, target } = await setUp({ publishLockAnswer: 'http-409' });
    await admin(s, 'PUT', '/clock', { now: '2026-11-29T02:10:00+08:00' });
    const r = await touch(s, t, target, MU1);
    expect(r.status).toBe(409);
    expect((r.body as unknown as ErrorBody).code).toBe('conflict');
    expect(r.headers.get('retry-after')).toBe('1200');
  });
});

describe('genesys-cloud sandbox: intraday reschedule runs', () => {
  it('shows a run Queued then Scheduling on the runs route and topic, and fails updates to its units while it runs', async () => {
    const { s, t, target, socket, result } = await setUp();
    const created = await admin<{ id: string; state: string }>(s, 'POST', '/scheduling-runs', {
      scheduleId: target.scheduleId,
      managementUnitIds: [MU1],
    });
    expect(created.body.state).toBe('Queued');
    const queued = await socket.next((m) => m.topicName === s.wfm.runsTopic);
    expect(queued.eventBody).toMatchObject({
      status: 'Processing',
      result: { state: 'Queued', intradayRescheduling: true },
    });
    type Run = {
      id: string;
      state: string;
      intradayRescheduling: boolean;
      reschedulingOptions: { existingSchedule: { id: string } };
    };
    const runs = await api<Listing<Run>>(s, t, 'GET', `${WFM}/businessunits/${target.buId}/scheduling/runs`);
    expect(runs.body.entities).toEqual([
      expect.objectContaining({
        id: created.body.id,
        state: 'Queued',
        intradayRescheduling: true,
        reschedulingOptions: expect.objectContaining({
          existingSchedule: { id: target.scheduleId, weekDate: target.weekDate },
        }),
      }),
    ]);
    expect(await result((await touch(s, t, target, MU1)).body.operationId)).toBe('Error');
    expect(await result((await touch(s, t, target, MU2)).body.operationId)).toBe('Complete');
    await admin(s, 'PUT', `/scheduling-runs/${created.body.id}`, { state: 'Scheduling' });
    expect(await result((await touch(s, t, target, MU1)).body.operationId)).toBe('Error');
    await admin(s, 'PUT', `/scheduling-runs/${created.body.id}`, { state: 'Complete' });
    const done = await socket.next(
      (m) => m.topicName === s.wfm.runsTopic && m.eventBody.result?.state === 'Complete',
    );
    expect(done.eventBody.status).toBe('Complete');
    expect(await result((await touch(s, t, target, MU1)).body.operationId)).toBe('Complete');
  });

  it('lets updates through during a run when rescheduleLocksWrites is off', async () => {
    const { s, t, target, result } = await setUp({ rescheduleLocksWrites: false });
    await admin(s, 'POST', '/scheduling-runs', { scheduleId: target.scheduleId, state: 'Scheduling' });
    expect(await result((await touch(s, t, target, MU1)).body.operationId)).toBe('Complete');
  });

  it('refuses a run transition out of a final state', async () => {
    const { s, target } = await setUp();
    const created = await admin<{ id: string }>(s, 'POST', '/scheduling-runs', {
      scheduleId: target.scheduleId,
    });
    await admin(s, 'PUT', `/scheduling-runs/${created.body.id}`, { state: 'Canceled' });
    const r = await admin<{ message: string }>(s, 'PUT', `/scheduling-runs/${created.body.id}`, {
      state: 'Scheduling',
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/is Canceled; it can go to no other state/);
  });

  it('moves the shifts of an applied run, except those a client marked manuallyEdited', async () => {
    const { s, t, target, result } = await setUp();
    const [agent] = (await queryAgents(s, t, target, { managementUnitId: MU1 })) as [AgentSchedule];
    const marked = agent.shifts[3]!.id;
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version },
      agentSchedules: [
        {
          userId: agent.user.id,
          metadata: { version: agent.metadata.version },
          shifts: agent.shifts.map(({ id, startDate, lengthMinutes, activities }) => ({
            id,
            startDate,
            lengthMinutes,
            activities,
            manuallyEdited: id === marked,
          })),
        },
      ],
    });
    expect(await result(r.body.operationId)).toBe('Complete');
    const run = await admin<{ id: string }>(s, 'POST', '/scheduling-runs', {
      scheduleId: target.scheduleId,
      managementUnitIds: [MU1],
      startDate: '2026-11-29T00:00:00+08:00',
      state: 'Scheduling',
    });
    await admin(s, 'PUT', `/scheduling-runs/${run.body.id}`, { state: 'Complete' });
    const applied = await admin<{ moved: number }>(s, 'POST', `/scheduling-runs/${run.body.id}/apply`, {
      moveMinutes: 15,
    });
    expect(applied.body.moved).toBe(3 * 7 - 1);
    const [after] = (await queryAgents(s, t, target, { managementUnitId: MU1 })) as [AgentSchedule];
    for (const [i, shift] of after.shifts.entries()) {
      const moved = Date.parse(shift.startDate) - Date.parse(agent.shifts[i]!.startDate);
      expect(moved, shift.id).toBe(shift.id === marked ? 0 : 15 * 60_000);
    }
    expect(s.wfm.store.ledger.since(1).entries.filter((e) => e.kind === 'reschedule')).toHaveLength(3);
  });
});
