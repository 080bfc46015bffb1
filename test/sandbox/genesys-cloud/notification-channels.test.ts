import { describe, expect, it } from 'vitest';
import { admin, api, channel, connect, type ErrorBody, genesys, type Listing, token } from './fixture.js';

const CHANNELS = '/api/v2/notifications/channels';

describe('genesys-cloud sandbox: notification channels', () => {
  it('creates a channel with a connectUri and an expiry 24 hours ahead on the virtual clock', async () => {
    const s = await genesys();
    const t = await token(s);
    const r = await api<{ id: string; connectUri: string; expires: string }>(s, t, 'POST', CHANNELS);
    expect(r.body.connectUri).toBe(`${s.streamingUrl}/channels/${r.body.id}`);
    expect(Date.parse(r.body.expires) - s.wfm.clock.now()).toBe(24 * 3_600_000);
    const head = await api(s, t, 'HEAD', `${CHANNELS}/${r.body.id}`);
    expect(head.status).toBe(200);
  });

  it('sends a channel.metadata heartbeat on an idle socket and answers a ping with a pong', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const t = await token(s);
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const beat = await socket.next((m) => m.topicName === 'channel.metadata');
    expect(beat.eventBody).toEqual({ message: 'WebSocket Heartbeat' });
    socket.ws.send(JSON.stringify({ message: 'ping' }));
    const pong = await socket.next((m) => m.eventBody.message === 'pong');
    expect(pong.topicName).toBe('channel.metadata');
  });

  it('stops heartbeats while the admin API pauses them, the socket staying open', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 30 } });
    const t = await token(s);
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    await socket.next((m) => m.topicName === 'channel.metadata');
    await admin(s, 'PUT', '/notifications', { heartbeats: false });
    socket.messages.length = 0;
    await new Promise((r) => setTimeout(r, 150));
    expect(socket.messages.filter((m) => m.eventBody.message === 'WebSocket Heartbeat')).toEqual([]);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });

  it('delivers a published event only to channels subscribed to its topic, in the Genesys envelope', async () => {
    const s = await genesys();
    const t = await token(s);
    const subscribed = await channel(s, t, [s.wfm.runsTopic]);
    const other = await channel(s, t, [s.wfm.schedulesTopic]);
    const r = await admin<{ delivered: number }>(s, 'POST', '/notifications/publish', {
      topicName: s.wfm.runsTopic,
      eventBody: { status: 'Processing', operationId: 'op-1' },
    });
    expect(r.body.delivered).toBe(1);
    const m = await subscribed.next((x) => x.topicName === s.wfm.runsTopic);
    expect(m).toMatchObject({
      version: '2',
      eventBody: { operationId: 'op-1' },
      metadata: { CorrelationId: expect.any(String) },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(other.messages.filter((x) => x.topicName === s.wfm.runsTopic)).toEqual([]);
  });

  it('refuses more than 1,000 topics on a channel with 400 and keeps its subscriptions', async () => {
    const s = await genesys();
    const t = await token(s);
    const created = await api<{ id: string }>(s, t, 'POST', CHANNELS);
    const path = `${CHANNELS}/${created.body.id}/subscriptions`;
    s.hub.addAuthority((topic) => (topic.startsWith('v2.test.') ? { state: 'Permitted' } : undefined));
    const topics = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({ id: `v2.test.${from + i}` }));
    expect((await api(s, t, 'PUT', path, topics(1_000))).status).toBe(200);
    const over = await api<ErrorBody>(s, t, 'POST', path, topics(1, 1_000));
    expect([over.status, over.body.code]).toEqual([400, 'bad.request']);
    expect(over.body.message).toMatch(/would have 1001 topics; a channel takes at most 1000/);
    const kept = await api<Listing<{ id: string }>>(s, t, 'GET', path);
    expect(kept.body.entities).toHaveLength(1_000);
    const replaced = await api<Listing<{ id: string }>>(s, t, 'PUT', path, topics(2, 5_000));
    expect(replaced.body.entities.map((e) => e.id)).toEqual(['v2.test.5000', 'v2.test.5001']);
  });

  it('removes the least recently used channel without a socket when a 21st is created', async () => {
    const s = await genesys();
    const t = await token(s);
    const connected = await channel(s, t, [s.wfm.schedulesTopic]);
    const ids = [connected.id];
    for (let i = 0; i < 19; i++) ids.push((await api<{ id: string }>(s, t, 'POST', CHANNELS)).body.id);
    await admin(s, 'PUT', '/clock', { advanceMs: 1_000 });
    await api(s, t, 'PUT', `${CHANNELS}/${ids[1]}/subscriptions`, [{ id: s.wfm.schedulesTopic }]);
    const newest = await api<{ id: string }>(s, t, 'POST', CHANNELS);
    const listed = await api<Listing<{ id: string }>>(s, t, 'GET', CHANNELS);
    const left = listed.body.entities.map((c) => c.id);
    expect(left).toHaveLength(20);
    expect(left).toContain(newest.body.id);
    expect(left).toContain(connected.id);
    expect(left).toContain(ids[1]);
    expect(left).not.toContain(ids[2]);
  });

  it('sends v2.system.socket_closing, closes the socket after the grace period, and takes a reconnect to the same channel', async () => {
    const s = await genesys({ behaviour: { socketClosingGraceMs: 50 } });
    const t = await token(s);
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    const told = await admin<{ told: number }>(s, 'POST', '/notifications/socket-closing', {});
    expect(told.body.told).toBe(1);
    const closing = await socket.next((m) => m.topicName === 'v2.system.socket_closing');
    expect(closing.eventBody.channelId).toBe(socket.id);
    expect((await socket.closed).code).toBe(1001);
    const created = await api<Listing<{ id: string; connectUri: string }>>(s, t, 'GET', CHANNELS);
    const again = await connect(created.body.entities[0]!.connectUri);
    await admin(s, 'POST', '/notifications/publish', {
      topicName: s.wfm.schedulesTopic,
      eventBody: { operationId: 'after' },
    });
    expect((await again.next((m) => m.eventBody.operationId === 'after')).topicName).toBe(
      s.wfm.schedulesTopic,
    );
  });

  it('loses what is published while a socket is dropped: delivery is not durable', async () => {
    const s = await genesys();
    const t = await token(s);
    const socket = await channel(s, t, [s.wfm.schedulesTopic]);
    await admin(s, 'POST', '/notifications/drop', {});
    expect((await socket.closed).code).toBe(1006);
    const r = await admin<{ delivered: number }>(s, 'POST', '/notifications/publish', {
      topicName: s.wfm.schedulesTopic,
      eventBody: { operationId: 'while-down' },
    });
    expect(r.body.delivered).toBe(0);
    const again = await connect(`${s.streamingUrl}/channels/${socket.id}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(again.messages.filter((m) => m.eventBody.operationId === 'while-down')).toEqual([]);
  });

  it('ends a channel 24 virtual hours after its last subscription, closing its socket, unless resubscribed', async () => {
    const s = await genesys();
    const t = await token(s);
    const renewed = await channel(s, t, [s.wfm.schedulesTopic]);
    const lapsed = await channel(s, t, [s.wfm.schedulesTopic]);
    await admin(s, 'PUT', '/clock', { advanceMs: 23 * 3_600_000 });
    await api(s, t, 'PUT', `${CHANNELS}/${renewed.id}/subscriptions`, [{ id: s.wfm.schedulesTopic }]);
    await admin(s, 'PUT', '/clock', { advanceMs: 2 * 3_600_000 });
    expect((await lapsed.closed).code).toBe(1000);
    const fresh = await token(s); // the first token's 24 hours are over too
    expect((await api(s, fresh, 'HEAD', `${CHANNELS}/${lapsed.id}`)).status).toBe(404);
    expect((await api(s, fresh, 'HEAD', `${CHANNELS}/${renewed.id}`)).status).toBe(200);
    expect(renewed.ws.readyState).toBe(renewed.ws.OPEN);
  });

  it('refuses a topic the OAuth client lacks the permission for with 403, or lists it Rejected with ignoreErrors', async () => {
    const s = await genesys();
    await admin(s, 'PUT', '/clients/trunk-reactor', { permissions: ['wfm:schedule:view'] });
    const t = await token(s);
    const created = await api<{ id: string }>(s, t, 'POST', CHANNELS);
    const path = `${CHANNELS}/${created.body.id}/subscriptions`;
    const refused = await api<ErrorBody>(s, t, 'PUT', path, [{ id: s.wfm.runsTopic }]);
    expect([refused.status, refused.body.code]).toEqual([403, 'missing.permissions']);
    const listed = await api<Listing<{ id: string; state: string; missingPermissions?: string[] }>>(
      s,
      t,
      'PUT',
      `${path}?ignoreErrors=true`,
      [{ id: s.wfm.schedulesTopic }, { id: s.wfm.runsTopic }],
    );
    expect(listed.body.entities).toEqual([
      { id: s.wfm.schedulesTopic, state: 'Permitted' },
      expect.objectContaining({
        id: s.wfm.runsTopic,
        state: 'Rejected',
        missingPermissions: ['wfm:schedule:generate', 'wfm:schedule:edit'],
      }),
    ]);
    const unknown = await api<ErrorBody>(s, t, 'PUT', path, [{ id: 'v2.no.such.topic' }]);
    expect(unknown.status).toBe(400);
  });

  it("does not show or take one OAuth client's channel for another", async () => {
    const s = await genesys({
      clients: [
        { id: 'a', secret: 'x', permissions: ['wfm:schedule:view'] },
        { id: 'b', secret: 'y', permissions: ['wfm:schedule:view'] },
      ],
    });
    const ta = await token(s, 'a', 'x');
    const tb = await token(s, 'b', 'y');
    const created = await api<{ id: string }>(s, ta, 'POST', CHANNELS);
    const taken = await api<ErrorBody>(s, tb, 'PUT', `${CHANNELS}/${created.body.id}/subscriptions`, [
      { id: s.wfm.schedulesTopic },
    ]);
    expect(taken.status).toBe(404);
    expect((await api<Listing<unknown>>(s, tb, 'GET', CHANNELS)).body.entities).toEqual([]);
  });
});
