import { describe, expect, it } from 'vitest';
import { DEFAULT_PERMISSIONS } from '../../../src/sandbox/genesys-cloud/options.js';
import { admin, api, channel, connect, type ErrorBody, genesys, type Message, token } from './fixture.js';
import {
  EDGES,
  eventsFile,
  instancesOf,
  metricsTopic,
  produced,
  regularEvents,
  state,
  until,
  type WireTrunk,
} from './trunk-fixture.js';

const CHANNELS = '/api/v2/notifications/channels';

interface MetricsBody {
  trunk: { id: string; name: string };
  eventTime: string;
  calls?: { inboundCallCount: unknown; outboundCallCount: unknown };
  qos: { mismatchCount: number };
}
const body = (m: Message) => m.eventBody as unknown as MetricsBody;
const isMetrics = (m: Message) => m.topicName.endsWith('.metrics');

describe('genesys-cloud sandbox: trunk metrics topics', () => {
  it('delivers each instance its samples on its own topic while the scenario plays, as the record says', async () => {
    const s = await genesys({ trunks: { eventsFile: eventsFile(regularEvents(2, 4)) } });
    const t = await token(s);
    const instances = await instancesOf(s, t, 'sg-byoc-01');
    const socket = await channel(
      s,
      t,
      instances.map((i) => metricsTopic(i.id)),
    );
    // 4 event seconds at 1,000×: the whole scenario plays in a few milliseconds of wall time
    await admin(s, 'POST', '/trunks/play', { speed: 1_000 });
    const got: Message[] = [];
    for (let n = 0; n < 8; n++) got.push(await socket.next(isMetrics));
    await until(s, 'finished');
    const mine = (await produced(s)).filter((p) => p.trunkBaseName === 'sg-byoc-01');
    expect(mine).toHaveLength(8);
    expect(mine.every((p) => p.delivered === 1)).toBe(true);
    for (const p of mine) {
      const m = got.find(
        (x) => x.topicName === metricsTopic(p.trunkId) && body(x).eventTime === p.eventTime,
      )!;
      expect(m).toMatchObject({ version: '2', metadata: { CorrelationId: expect.any(String) } });
      expect(body(m)).toEqual({
        trunk: { id: p.trunkId, name: 'sg-byoc-01' },
        eventTime: p.eventTime,
        calls: { inboundCallCount: p.inboundCallCount, outboundCallCount: p.outboundCallCount },
        qos: { mismatchCount: 0 },
      });
    }
    expect(socket.messages.filter(isMetrics)).toEqual([]);
  });

  it('plays nothing until told, holds still while paused, and steps one event at a time', async () => {
    const s = await genesys({ trunks: { eventsFile: eventsFile(regularEvents(1, 3)) } });
    await new Promise((r) => setTimeout(r, 120));
    expect((await state(s)).produced).toBe(0);
    const stepped = await admin<{ published: number; playback: { state: string; next: number } }>(
      s,
      'POST',
      '/trunks/step',
      { count: 1 },
    );
    expect(stepped.body).toMatchObject({ published: 2, playback: { state: 'paused', next: 1 } });
    await new Promise((r) => setTimeout(r, 120));
    expect((await state(s)).produced).toBe(2);
    await admin(s, 'POST', '/trunks/step', { count: 5 });
    expect((await state(s)).playback).toMatchObject({ state: 'finished', remaining: 0 });
    const again = await admin<{ errorCode: string }>(s, 'POST', '/trunks/play', { speed: 10 });
    expect([again.status, again.body.errorCode]).toEqual([400, 'VALIDATION_ERROR']);
    await admin(s, 'POST', '/trunks/reset');
    expect((await state(s)).playback).toMatchObject({ state: 'ready', next: 0 });
  });

  it('refuses a metrics topic without telephony:plugin:all, and one of a trunk the org does not have', async () => {
    const s = await genesys();
    const t = await token(s);
    const [instance] = await instancesOf(s, t, 'sg-byoc-01');
    const created = await api<{ id: string }>(s, t, 'POST', CHANNELS);
    const subs = `${CHANNELS}/${created.body.id}/subscriptions`;
    const unknown = await api<ErrorBody>(s, t, 'PUT', subs, [{ id: metricsTopic('no-such-trunk') }]);
    expect([unknown.status, unknown.body.code]).toEqual([400, 'bad.request']);
    await admin(s, 'PUT', '/clients/trunk-reactor', {
      permissions: DEFAULT_PERMISSIONS.filter((p) => p !== 'telephony:plugin:all'),
    });
    const refused = await api<ErrorBody>(s, t, 'PUT', subs, [{ id: metricsTopic(instance!.id) }]);
    expect([refused.status, refused.body.code]).toEqual([403, 'missing.permissions']);
    const listed = await api<{
      entities: Array<{ id: string; state: string; missingPermissions?: string[] }>;
    }>(s, t, 'PUT', `${subs}?ignoreErrors=true`, [
      { id: metricsTopic(instance!.id) },
      { id: s.wfm.schedulesTopic },
    ]);
    expect(listed.body.entities).toContainEqual({
      id: metricsTopic(instance!.id),
      state: 'Rejected',
      rejectionReason: expect.any(String),
      missingPermissions: ['telephony:plugin:all'],
    });
    expect(listed.body.entities).toContainEqual({ id: s.wfm.schedulesTopic, state: 'Permitted' });
  });

  it('sends a malformed body on request and records which sample it was', async () => {
    const s = await genesys({ trunks: { eventsFile: eventsFile(regularEvents(1, 2)) } });
    const t = await token(s);
    const instances = await instancesOf(s, t, 'sg-byoc-01');
    const socket = await channel(
      s,
      t,
      instances.map((i) => metricsTopic(i.id)),
    );
    await admin(s, 'POST', '/trunks/malformed', { count: 1, kind: 'string-counts' });
    await admin(s, 'POST', '/trunks/step', { count: 1 });
    const [first, second] = [await socket.next(isMetrics), await socket.next(isMetrics)];
    const [p1, p2] = await produced(s);
    expect(p1!.malformed).toBe('string-counts');
    expect(p2!.malformed).toBeUndefined();
    const bad = [first!, second!].find((m) => body(m).trunk.id === p1!.trunkId)!;
    const good = [first!, second!].find((m) => body(m).trunk.id === p2!.trunkId)!;
    expect(body(bad).calls).toEqual({
      inboundCallCount: String(p1!.inboundCallCount),
      outboundCallCount: String(p1!.outboundCallCount),
    });
    expect(body(good).calls).toEqual({
      inboundCallCount: p2!.inboundCallCount,
      outboundCallCount: p2!.outboundCallCount,
    });
    // the REST latest sample is the true one
    const rest = await api<{ calls: unknown }>(s, t, 'GET', `${EDGES}/trunks/${p1!.trunkId}/metrics`);
    expect(rest.body.calls).toEqual({
      inboundCallCount: p1!.inboundCallCount,
      outboundCallCount: p1!.outboundCallCount,
    });
  });

  it('splits over an instance added mid-run, and stops sampling and serving one removed', async () => {
    const s = await genesys({ trunks: { eventsFile: eventsFile(regularEvents(1, 3)) } });
    const t = await token(s);
    await admin(s, 'POST', '/trunks/step', { count: 1 });
    const added = await admin<WireTrunk>(s, 'POST', '/trunks/instances', { trunkBase: 'sg-byoc-01' });
    expect(added.body.trunkBase.name).toBe('sg-byoc-01');
    expect((await instancesOf(s, t, 'sg-byoc-01')).map((i) => i.id)).toContain(added.body.id);
    await admin(s, 'POST', '/trunks/step', { count: 1 });
    const second = (await produced(s, 3)).slice(0, 3);
    expect(second.map((p) => p.trunkId)).toContain(added.body.id);
    expect(second.reduce((n, p) => n + p.inboundCallCount + p.outboundCallCount, 0)).toBe(
      regularEvents(1, 3)[1]!.activeCalls,
    );
    const [gone] = await instancesOf(s, t, 'sg-byoc-01');
    expect((await admin(s, 'DELETE', `/trunks/instances/${gone!.id}`)).status).toBe(200);
    expect((await api(s, t, 'GET', `${EDGES}/trunks/${gone!.id}/metrics`)).status).toBe(404);
    await admin(s, 'POST', '/trunks/step', { count: 1 });
    const third = await produced(s, 6);
    expect(third).toHaveLength(2);
    expect(third.map((p) => p.trunkId)).not.toContain(gone!.id);
    expect(third.reduce((n, p) => n + p.inboundCallCount + p.outboundCallCount, 0)).toBe(
      regularEvents(1, 3)[2]!.activeCalls,
    );
  });

  it('loses the samples sent while a socket is down, and delivers again once it reconnects', async () => {
    const s = await genesys({ trunks: { eventsFile: eventsFile(regularEvents(1, 3)) } });
    const t = await token(s);
    const [instance] = await instancesOf(s, t, 'sg-byoc-01');
    const first = await channel(s, t, [metricsTopic(instance!.id)]);
    await admin(s, 'POST', '/notifications/drop', {});
    await first.closed;
    await admin(s, 'POST', '/trunks/step', { count: 1 });
    const lost = (await produced(s)).filter((p) => p.trunkId === instance!.id);
    expect(lost.map((p) => p.delivered)).toEqual([0]);
    const again = await connect(`${s.streamingUrl}/channels/${first.id}`);
    await admin(s, 'POST', '/trunks/step', { count: 1 });
    const m = await again.next(isMetrics);
    const sent = (await produced(s, 3)).find((p) => p.trunkId === instance!.id)!;
    expect([body(m).eventTime, sent.delivered]).toEqual([sent.eventTime, 1]);
  });

  it('stops a metrics topic with its channel when the channel expires', async () => {
    const s = await genesys({ trunks: { eventsFile: eventsFile(regularEvents(1, 2)) } });
    const t = await token(s);
    const [instance] = await instancesOf(s, t, 'sg-byoc-01');
    const socket = await channel(s, t, [metricsTopic(instance!.id)]);
    await admin(s, 'PUT', '/clock', { advanceMs: 25 * 3_600_000 });
    expect((await socket.closed).code).toBe(1000);
    await admin(s, 'POST', '/trunks/step', { count: 1 });
    expect((await produced(s)).find((p) => p.trunkId === instance!.id)!.delivered).toBe(0);
  });
});

describe('genesys-cloud sandbox: synthetic trunk load', () => {
  it('publishes instances × perSecond samples for each second of the load, every instance at each instant', async () => {
    const s = await genesys();
    const loaded = await admin<{ trunkBases: Array<{ trunkType: string; instances: unknown[] }> }>(
      s,
      'POST',
      '/trunks/synthetic',
      { instances: 5, perSecond: 2, seconds: 3 },
    );
    const external = loaded.body.trunkBases.filter((b) => b.trunkType === 'EXTERNAL');
    expect(external.map((b) => b.instances.length)).toEqual([2, 2, 1]);
    const before = (await state(s)).produced;
    await admin(s, 'POST', '/trunks/play', { speed: 1_000 });
    await until(s, 'finished');
    const out = await produced(s, before + 1);
    expect(out).toHaveLength(5 * 2 * 3);
    const perSecond = new Map<number, number>();
    const perInstant = new Map<string, Set<string>>();
    for (const p of out) {
      const second = Math.floor(Date.parse(p.eventTime) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      perInstant.set(p.eventTime, (perInstant.get(p.eventTime) ?? new Set()).add(p.trunkId));
    }
    expect([...perSecond.values()]).toEqual([10, 10, 10]);
    expect([...perInstant.values()].map((ids) => ids.size)).toEqual([5, 5, 5, 5, 5, 5]);
  });

  it('serves the synthetic trunks on the trunks routes and topics, replacing the events', async () => {
    const s = await genesys();
    await admin(s, 'POST', '/trunks/synthetic', { instances: 4, seconds: 1 });
    const t = await token(s);
    const listing = await api<{ total: number; entities: WireTrunk[] }>(
      s,
      t,
      'GET',
      `${EDGES}/trunks?trunkType=EXTERNAL`,
    );
    expect(listing.body.total).toBe(4);
    expect(new Set(listing.body.entities.map((e) => e.trunkBase.name))).toEqual(
      new Set(['syn-byoc-0001', 'syn-byoc-0002']),
    );
    const socket = await channel(
      s,
      t,
      listing.body.entities.map((e) => metricsTopic(e.id)),
    );
    await admin(s, 'POST', '/trunks/step', { count: 2 });
    for (let n = 0; n < 4; n++) await socket.next(isMetrics);
    const mapping = await admin<{ trunkBases: Array<{ trunkId: string; capacity: number }> }>(
      s,
      'GET',
      '/trunks/mapping',
    );
    expect(mapping.body.trunkBases.map((b) => [b.trunkId, b.capacity])).toEqual([
      ['syn-byoc-0001', 100],
      ['syn-byoc-0002', 100],
    ]);
  });
});
