import { describe, expect, it } from 'vitest';
import {
  type AgentSchedule,
  type AsyncQuery,
  admin,
  api,
  channel,
  genesys,
  type Listing,
  publishedSchedule,
  queryAgents,
  type Shift,
  type Signed,
  token,
  uploadAndUpdate,
  WFM,
} from './fixture.js';

// The fixture's business unit is Asia/Singapore with Sunday weeks; the clock is Wednesday 2026-11-25.
const WEEK = '2026-11-22';
const AGENT = 'agent-10400';
const MU = 'mu-team-apac-01';

/** The agent's shifts as an upload sends them back: whole, with their ids and activities. */
function resend(agent: AgentSchedule): Array<Partial<Shift> & { delete?: boolean }> {
  return agent.shifts.map((s) => ({
    id: s.id,
    startDate: s.startDate,
    lengthMinutes: s.lengthMinutes,
    activities: s.activities.map((a) => ({
      startDate: a.startDate,
      lengthMinutes: a.lengthMinutes,
      description: a.description,
      activityCodeId: a.activityCodeId,
    })),
    manuallyEdited: s.manuallyEdited,
  }));
}

/** The agent's shifts sent back whole, the first longer by `extraMinutes` of on-queue time and marked manuallyEdited. */
function extendFirstShift(agent: AgentSchedule, extraMinutes: number, onQueueCodeId: string) {
  const [first, ...rest] = resend(agent) as [Shift, ...Shift[]];
  const end = Date.parse(first.startDate) + first.lengthMinutes * 60_000;
  const extra = {
    startDate: new Date(end).toISOString(),
    lengthMinutes: extraMinutes,
    description: '',
    activityCodeId: onQueueCodeId,
  };
  return [
    {
      ...first,
      lengthMinutes: first.lengthMinutes + extraMinutes,
      manuallyEdited: true,
      activities: [...first.activities, extra],
    },
    ...rest,
  ];
}

async function setUp() {
  const s = await genesys();
  const t = await token(s);
  const target = await publishedSchedule(s, t, WEEK);
  const [agent] = await queryAgents(s, t, target, { managementUnitId: MU, userIds: [AGENT] });
  const codes = await api<Listing<{ id: string; category: string; defaultCode: boolean }>>(
    s,
    t,
    'GET',
    `${WFM}/businessunits/${target.buId}/activitycodes`,
  );
  const onQueue = codes.body.entities.find((c) => c.category === 'OnQueueWork' && c.defaultCode)!.id;
  return { s, t, target, agent: agent!, onQueue };
}

describe('genesys-cloud sandbox: schedule updates through uploads', () => {
  it('applies an upload that extends one shift and announces the result on the business unit schedules topic by operationId', async () => {
    const { s, t, target, agent, onQueue } = await setUp();
    const socket = await channel(s, t, [`v2.workforcemanagement.businessunits.${target.buId}.schedules`]);
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version },
      agentSchedules: [
        {
          userId: AGENT,
          metadata: { version: agent.metadata.version },
          shifts: extendFirstShift(agent, 30, onQueue),
        },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('Processing');
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.eventBody.status).toBe('Complete');
    expect(note.eventBody.eventType).toBe('Update');
    expect(note.eventBody.result!.metadata.version).toBe(target.version + 1);
    expect(note.eventBody.result!.managementUnits).toEqual([
      expect.objectContaining({
        managementUnit: expect.objectContaining({ id: MU }),
        agents: [expect.objectContaining({ id: AGENT })],
      }),
    ]);
    const [after = null] = await queryAgents(s, t, target, { managementUnitId: MU, userIds: [AGENT] });
    expect(after!.metadata.version).toBe(agent.metadata.version + 1);
    expect(after!.shifts[0]!.lengthMinutes).toBe(agent.shifts[0]!.lengthMinutes + 30);
    expect(after!.shifts[0]!.manuallyEdited).toBe(true);
    expect(after!.shifts.slice(1)).toEqual(agent.shifts.slice(1));
    const ledger = s.wfm.store.ledger.since(1).entries.filter((e) => e.kind === 'update');
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      userId: AGENT,
      operationId: r.body.operationId,
      clientId: 'trunk-reactor',
    });
    expect(ledger[0]!.shifts.map((c) => [c.shiftId, c.change])).toEqual([[agent.shifts[0]!.id, 'edited']]);
  });

  it('ends an upload based on a stale agent version in an Error result without a reason, and applies nothing', async () => {
    const { s, t, target, agent, onQueue } = await setUp();
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version },
      agentSchedules: [
        {
          userId: AGENT,
          metadata: { version: agent.metadata.version - 1 },
          shifts: extendFirstShift(agent, 30, onQueue),
        },
      ],
    });
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.eventBody).toEqual({ status: 'Error', operationId: r.body.operationId, eventType: 'Update' });
    expect(s.wfm.store.ledger.since(1).entries.filter((e) => e.kind === 'update')).toEqual([]);
    const [after = null] = await queryAgents(s, t, target, { managementUnitId: MU, userIds: [AGENT] });
    expect(after).toEqual(agent);
    const op = await admin<{ reason?: string }>(s, 'GET', `/operations/${r.body.operationId}`);
    expect(op.body.reason).toMatch(/agent agent-10400 is at version 1; the upload was based on version 0/);
  });

  it('ends an upload based on a stale schedule version in an Error result, nothing applied', async () => {
    const { s, t, target, agent, onQueue } = await setUp();
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version + 5 },
      agentSchedules: [
        {
          userId: AGENT,
          metadata: { version: agent.metadata.version },
          shifts: extendFirstShift(agent, 30, onQueue),
        },
      ],
    });
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.eventBody.status).toBe('Error');
    expect(s.wfm.store.ledger.size).toBe(0);
  });

  it('fails a whole update when one of its agents is stale, and applies the fresh ones under per-agent atomicity', async () => {
    for (const atomicity of ['all-or-nothing', 'per-agent'] as const) {
      const { s, t, target, onQueue } = await setUp();
      await admin(s, 'PUT', '/behaviour', { updateAtomicity: atomicity });
      const agents = await queryAgents(s, t, target, { managementUnitId: MU });
      const [a, b] = agents as [AgentSchedule, AgentSchedule];
      const socket = await channel(s, t, [s.wfm.schedulesTopic]);
      const r = await uploadAndUpdate(s, t, target, {
        metadata: { version: target.version },
        agentSchedules: [
          {
            userId: a.user.id,
            metadata: { version: a.metadata.version },
            shifts: extendFirstShift(a, 15, onQueue),
          },
          {
            userId: b.user.id,
            metadata: { version: b.metadata.version + 1 },
            shifts: extendFirstShift(b, 15, onQueue),
          },
        ],
      });
      const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
      const applied = s.wfm.store.ledger
        .since(1)
        .entries.filter((e) => e.kind === 'update')
        .map((e) => e.userId);
      if (atomicity === 'all-or-nothing') {
        expect(note.eventBody.status).toBe('Error');
        expect(applied).toEqual([]);
      } else {
        expect(note.eventBody.status).toBe('Complete');
        expect(applied).toEqual([a.user.id]);
      }
    }
  });

  it("deletes the shifts an upload leaves out of an agent's schedule, and keeps them when omittedShifts is keep", async () => {
    for (const omitted of ['replace', 'keep'] as const) {
      const { s, t, target, agent, onQueue } = await setUp();
      await admin(s, 'PUT', '/behaviour', { omittedShifts: omitted });
      const socket = await channel(s, t, [s.wfm.schedulesTopic]);
      const r = await uploadAndUpdate(s, t, target, {
        metadata: { version: target.version },
        agentSchedules: [
          {
            userId: AGENT,
            metadata: { version: agent.metadata.version },
            shifts: extendFirstShift(agent, 30, onQueue).slice(0, 1),
          },
        ],
      });
      await socket.next((m) => m.eventBody.operationId === r.body.operationId);
      const [after = null] = await queryAgents(s, t, target, { managementUnitId: MU, userIds: [AGENT] });
      expect(after!.shifts.length).toBe(omitted === 'replace' ? 1 : agent.shifts.length);
      const [entry] = s.wfm.store.ledger.since(1).entries.filter((e) => e.kind === 'update');
      const deleted = entry!.shifts.filter((c) => c.change === 'deleted');
      expect(deleted.length).toBe(omitted === 'replace' ? agent.shifts.length - 1 : 0);
      expect(deleted.every((c) => c.byOmission)).toBe(true);
    }
  });

  it('adds a shift sent without an id and deletes one sent with delete: true', async () => {
    const { s, t, target, agent } = await setUp();
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const kept = resend(agent);
    const last = kept.at(-1)!;
    const replacement = {
      startDate: last.startDate,
      lengthMinutes: last.lengthMinutes,
      activities: last.activities,
    };
    const shifts = [...kept.slice(0, -1), { id: last.id, delete: true }, replacement];
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version },
      agentSchedules: [{ userId: AGENT, metadata: { version: agent.metadata.version }, shifts }],
    });
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    const op = await admin<{ reason?: string }>(s, 'GET', `/operations/${r.body.operationId}`);
    expect(note.eventBody.status, op.body.reason).toBe('Complete');
    const [entry] = s.wfm.store.ledger.since(1).entries.filter((e) => e.kind === 'update');
    expect(entry!.shifts.map((c) => c.change).sort()).toEqual(['added', 'deleted']);
    expect(entry!.shifts.find((c) => c.change === 'deleted')!.shiftId).toBe(last.id);
  });

  it('ends a body that is not gzip in an Error result, with the reason in the admin API', async () => {
    const { s, t, target } = await setUp();
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const plain = Buffer.from(JSON.stringify({ metadata: { version: target.version } }));
    const base = `${WFM}/businessunits/${target.buId}/weeks/${target.weekDate}/schedules/${target.scheduleId}`;
    const signed = await api<Signed>(s, t, 'POST', `${base}/update/uploadurl`, {
      contentLengthBytes: plain.length,
    });
    const put = await fetch(signed.body.url, { method: 'PUT', headers: signed.body.headers, body: plain });
    expect(put.status).toBe(200);
    const r = await api<AsyncQuery>(s, t, 'POST', `${base}/update`, { uploadKey: signed.body.uploadKey });
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.eventBody.status).toBe('Error');
    const op = await admin<{ reason?: string }>(s, 'GET', `/operations/${r.body.operationId}`);
    expect(op.body.reason).toMatch(/not gzip/);
  });

  it('refuses an activity on an unknown code with an Error result', async () => {
    const { s, t, target, agent } = await setUp();
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version },
      agentSchedules: [
        {
          userId: AGENT,
          metadata: { version: agent.metadata.version },
          shifts: extendFirstShift(agent, 30, '0'),
        },
      ],
    });
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.eventBody.status).toBe('Error');
    const op = await admin<{ reason?: string }>(s, 'GET', `/operations/${r.body.operationId}`);
    expect(op.body.reason).toMatch(/unknown activityCodeId '0'/);
  });
});
