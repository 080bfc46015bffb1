import { describe, expect, it } from 'vitest';
import {
  type AgentSchedule,
  admin,
  api,
  channel,
  type ErrorBody,
  genesys,
  publishedSchedule,
  queryAgents,
  token,
  uploadAndUpdate,
} from './fixture.js';

const BU_PATH = '/api/v2/workforcemanagement/businessunits/bu-apac';

describe('genesys-cloud sandbox: rate limit', () => {
  it('answers 429 too.many.requests with Retry-After past 300 requests a minute on one token, and serves another token', async () => {
    const s = await genesys();
    const t = await token(s);
    // The bucket refills at 5 requests a second while the burst is in flight: allow for that.
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 420 }, () => api<ErrorBody>(s, t, 'GET', BU_PATH)),
    );
    const refilled = Math.ceil(((performance.now() - started) / 1000) * 5);
    const ok = replies.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(300);
    expect(ok).toBeLessThanOrEqual(300 + refilled);
    const over = replies.find((r) => r.status === 429)!;
    expect(over.body.code).toBe('too.many.requests');
    expect(over.body.message).toBe('Rate limit exceeded the maximum [300] requests within [60] seconds');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await api(s, await token(s), 'GET', BU_PATH);
    expect(other.status).toBe(200);
  });
});

describe('genesys-cloud sandbox: faults', () => {
  it('answers 500 or 503 before doing anything at errorRate 1', async () => {
    const s = await genesys({ faults: { errorRate: 1 } });
    const r = await api<ErrorBody>(s, await token(s), 'GET', BU_PATH);
    expect(['internal.server.error', 'service.unavailable']).toContain(r.body.code);
    expect([500, 503]).toContain(r.status);
  });

  it('runs an update whose answer was lost (errorAfterWriteRate) and still announces its result', async () => {
    const s = await genesys();
    const t = await token(s);
    const target = await publishedSchedule(s, t, '2026-11-22');
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const [agent] = (await queryAgents(s, t, target, { managementUnitId: 'mu-team-apac-01' })) as [
      AgentSchedule,
    ];
    await admin(s, 'PUT', '/faults', { errorAfterWriteRate: 1 });
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version },
      agentSchedules: [
        { userId: agent.user.id, metadata: { version: agent.metadata.version }, shifts: agent.shifts },
      ],
    });
    expect(r.status).toBe(500);
    const note = await socket.next((m) => m.eventBody.eventType === 'Update');
    expect(note.eventBody.status).toBe('Complete');
    expect(s.wfm.store.ledger.since(1).entries.filter((e) => e.kind === 'update')).toHaveLength(1);
  });

  it('applies an update whose notification is lost (notificationLossRate), which only a re-read shows', async () => {
    const s = await genesys({ faults: { notificationLossRate: 1 } });
    const t = await token(s);
    const target = await publishedSchedule(s, t, '2026-11-22');
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const [agent] = (await queryAgents(s, t, target, { managementUnitId: 'mu-team-apac-01' })) as [
      AgentSchedule,
    ];
    const r = await uploadAndUpdate(s, t, target, {
      metadata: { version: target.version },
      agentSchedules: [
        { userId: agent.user.id, metadata: { version: agent.metadata.version }, shifts: agent.shifts },
      ],
    });
    await expect(socket.next((m) => m.eventBody.operationId === r.body.operationId, 300)).rejects.toThrow();
    const [after] = (await queryAgents(s, t, target, { managementUnitId: 'mu-team-apac-01' })) as [
      AgentSchedule,
    ];
    expect(after.metadata.version).toBe(agent.metadata.version + 1);
    const stats = await admin<{ notificationsLost: number }>(s, 'GET', '/stats');
    expect(stats.body.notificationsLost).toBe(1);
  });

  it('gets the other integration in before a client’s first update to a chosen agent, so that update meets a stale version', async () => {
    const s = await genesys({ faults: { mutatorBeforeWriteShare: 1 } });
    const t = await token(s);
    const target = await publishedSchedule(s, t, '2026-11-22');
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const send = async () => {
      const [agent] = (await queryAgents(s, t, target, { managementUnitId: 'mu-team-apac-01' })) as [
        AgentSchedule,
      ];
      const schedule = s.wfm.store.schedule(target.scheduleId)!;
      const r = await uploadAndUpdate(s, t, target, {
        metadata: { version: schedule.version },
        agentSchedules: [
          { userId: agent.user.id, metadata: { version: agent.metadata.version }, shifts: agent.shifts },
        ],
      });
      return (await socket.next((m) => m.eventBody.operationId === r.body.operationId)).eventBody.status;
    };
    expect(await send()).toBe('Error');
    expect(await send()).toBe('Complete');
    const kinds = s.wfm.store.ledger.since(1).entries.map((e) => e.kind);
    expect(kinds).toEqual(['mutator', 'update']);
  });

  it('bumps agent versions in the background at mutatorPerSecond, never changing a shift', async () => {
    const s = await genesys({ faults: { mutatorPerSecond: 200 } });
    await new Promise((r) => setTimeout(r, 200));
    await admin(s, 'PUT', '/faults', { mutatorPerSecond: 0 });
    const entries = s.wfm.store.ledger.since(1).entries;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.kind === 'mutator' && e.shifts.length === 0)).toBe(true);
  });
});

describe('genesys-cloud sandbox: state file', () => {
  it('keeps versions, ledger and runs across a restart with the same data file', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataFile = join(mkdtempSync(join(tmpdir(), 'genesys-sandbox-')), 'state.json');
    const first = await genesys({ dataFile });
    const t = await token(first);
    const target = await publishedSchedule(first, t, '2026-11-22');
    const socket = await channel(first, t, [first.wfm.schedulesTopic]);
    const [agent] = (await queryAgents(first, t, target, { managementUnitId: 'mu-team-apac-01' })) as [
      AgentSchedule,
    ];
    const r = await uploadAndUpdate(first, t, target, {
      metadata: { version: target.version },
      agentSchedules: [
        { userId: agent.user.id, metadata: { version: agent.metadata.version }, shifts: agent.shifts },
      ],
    });
    await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    await admin(first, 'POST', '/scheduling-runs', { scheduleId: target.scheduleId });
    await first.close();
    const second = await genesys({ dataFile });
    const [again] = (await queryAgents(second, await token(second), target, {
      managementUnitId: 'mu-team-apac-01',
    })) as [AgentSchedule];
    expect(again.metadata.version).toBe(agent.metadata.version + 1);
    expect(second.wfm.store.ledger.since(1).entries.map((e) => e.kind)).toEqual(['update']);
    expect(second.wfm.runs.runs).toHaveLength(1);
  });
});
