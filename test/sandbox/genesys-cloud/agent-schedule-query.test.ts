import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import type { GenesysBehaviour } from '../../../src/sandbox/genesys-cloud/options.js';
import {
  type AgentSchedule,
  type AsyncQuery,
  admin,
  api,
  channel,
  type ErrorBody,
  genesys,
  publishedSchedule,
  token,
  WFM,
} from './fixture.js';

const MU = 'mu-team-apac-01';

async function setUp(behaviour: Partial<GenesysBehaviour> = {}) {
  const s = await genesys({ behaviour });
  const t = await token(s);
  const target = await publishedSchedule(s, t, '2026-11-22');
  const path = `${WFM}/businessunits/${target.buId}/weeks/${target.weekDate}/schedules/${target.scheduleId}/agentschedules/query`;
  return { s, t, path };
}

type Result = { agentSchedules: AgentSchedule[]; businessUnitTimeZone: string };

describe('genesys-cloud sandbox: the agent schedules query', () => {
  it('answers a small query inline, Complete, with each agent’s shifts and agent-level version', async () => {
    const { s, t, path } = await setUp();
    const r = await api<AsyncQuery>(s, t, 'POST', path, {
      managementUnitId: MU,
      userIds: ['agent-10400', 'agent-10402'],
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('Complete');
    expect(r.body.downloadUrl).toBeUndefined();
    expect(r.body.result!.businessUnitTimeZone).toBe('Asia/Singapore');
    const agents = r.body.result!.agentSchedules;
    expect(agents.map((a) => [a.user.id, a.metadata.version, a.shifts.length])).toEqual([
      ['agent-10400', 1, 7],
      ['agent-10402', 1, 7],
    ]);
    expect(agents[0]!.shifts[0]).toMatchObject({
      startDate: expect.stringMatching(/Z$/),
      lengthMinutes: 480,
      manuallyEdited: false,
    });
  });

  it('narrows to the management unit, then to userIds and teamIds together', async () => {
    const { s, t, path } = await setUp();
    const all = await api<AsyncQuery>(s, t, 'POST', path, { managementUnitId: MU });
    expect(all.body.result!.agentSchedules.map((a) => a.user.id)).toEqual([
      'agent-10400',
      'agent-10402',
      'agent-10404',
    ]);
    const none = await api<AsyncQuery>(s, t, 'POST', path, {
      managementUnitId: MU,
      teamIds: ['team-apac-02'],
    });
    expect(none.body.result!.agentSchedules).toEqual([]);
    const missing = await api<ErrorBody>(s, t, 'POST', path, { userIds: ['agent-10400'] });
    expect([missing.status, missing.body.code]).toEqual([400, 'invalid.value']);
  });

  it('answers Complete with a downloadUrl whose body is the result, on forceDownloadService or past the inline size', async () => {
    const { s, t, path } = await setUp();
    const inline = await api<AsyncQuery>(s, t, 'POST', path, { managementUnitId: MU });
    const forced = await api<AsyncQuery>(s, t, 'POST', `${path}?forceDownloadService=true`, {
      managementUnitId: MU,
    });
    expect(forced.body.status).toBe('Complete');
    expect(forced.body.result).toBeUndefined();
    const downloaded = (await (await fetch(forced.body.downloadUrl!)).json()) as Result;
    expect(downloaded).toEqual(inline.body.result);
    await admin(s, 'PUT', '/behaviour', { downloadInlineMaxAgents: 2 });
    const big = await api<AsyncQuery>(s, t, 'POST', path, { managementUnitId: MU });
    expect(big.body.downloadUrl).toBeDefined();
  });

  it('refuses a downloadUrl after it expires on the virtual clock, or with its signature changed', async () => {
    const { s, t, path } = await setUp();
    const r = await api<AsyncQuery>(s, t, 'POST', `${path}?forceDownloadService=true`, {
      managementUnitId: MU,
    });
    const tampered = await fetch(
      r.body.downloadUrl!.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00'),
    );
    expect(tampered.status).toBe(403);
    await admin(s, 'PUT', '/clock', { advanceMs: 3_600_000 });
    const late = await fetch(r.body.downloadUrl!);
    expect(late.status).toBe(403);
    expect(await late.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/);
  });

  it('answers Processing and announces the download on the user query topic when its subscription is allowed', async () => {
    const { s, t, path } = await setUp({ clientCredentialsUserTopics: true });
    const socket = await channel(s, t, ['v2.workforcemanagement.users.trunk-reactor.schedules.query']);
    const r = await api<AsyncQuery>(s, t, 'POST', `${path}?forceAsync=true`, { managementUnitId: MU });
    expect(r.body).toMatchObject({ status: 'Processing', progress: 0 });
    expect(r.body.result).toBeUndefined();
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.topicName).toBe('v2.workforcemanagement.users.trunk-reactor.schedules.query');
    expect(note.eventBody.businessUnitId).toBe('bu-apac');
    const result = (await (await fetch(note.eventBody.downloadUrl!)).json()) as Result;
    expect(result.agentSchedules.map((a) => a.user.id)).toEqual([
      'agent-10400',
      'agent-10402',
      'agent-10404',
    ]);
  });

  it('refuses a client-credentials token the users.{id} query topic by default, so a Processing answer never reaches it', async () => {
    const { s, t } = await setUp();
    const created = await api<{ id: string }>(s, t, 'POST', '/api/v2/notifications/channels');
    const topic = 'v2.workforcemanagement.users.trunk-reactor.schedules.query';
    const refused = await api<ErrorBody>(
      s,
      t,
      'PUT',
      `/api/v2/notifications/channels/${created.body.id}/subscriptions`,
      [{ id: topic }],
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/client-credentials token has no user/);
    const listed = await api<{ entities: Array<{ id: string; state: string; rejectionReason?: string }> }>(
      s,
      t,
      'PUT',
      `/api/v2/notifications/channels/${created.body.id}/subscriptions?ignoreErrors=true`,
      [{ id: topic }],
    );
    expect(listed.body.entities).toEqual([
      { id: topic, state: 'Rejected', rejectionReason: expect.any(String) },
    ]);
  });

  it('announces an asynchronous result on the business unit schedules topic when queryNotificationTopic is business-unit', async () => {
    const { s, t, path } = await setUp({ queryNotificationTopic: 'business-unit', queryAnswer: 'async' });
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const r = await api<AsyncQuery>(s, t, 'POST', path, { managementUnitId: MU, userIds: ['agent-10404'] });
    expect(r.body.status).toBe('Processing');
    const note = await socket.next((m) => m.eventBody.operationId === r.body.operationId);
    expect(note.eventBody.status).toBe('Complete');
    const result = (await (await fetch(note.eventBody.downloadUrl!)).json()) as Result;
    expect(result.agentSchedules.map((a) => a.user.id)).toEqual(['agent-10404']);
  });

  it('answers every query one way when the queryAnswer switch picks it', async () => {
    const { s, t, path } = await setUp({ queryAnswer: 'download' });
    const r = await api<AsyncQuery>(s, t, 'POST', path, { managementUnitId: MU, userIds: ['agent-10400'] });
    expect(r.body.downloadUrl).toBeDefined();
    await admin(s, 'PUT', '/behaviour', { queryAnswer: 'inline' });
    const inline = await api<AsyncQuery>(s, t, 'POST', `${path}?forceAsync=true`, { managementUnitId: MU });
    expect(inline.body.status).toBe('Complete');
    expect(inline.body.result).toBeDefined();
  });
});
