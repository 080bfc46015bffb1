import { fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PERMISSIONS } from '../../../src/sandbox/genesys-cloud/options.js';
import type { RunningGenesysSandbox } from '../../../src/sandbox/genesys-cloud/server.js';
import { type Clock, systemClock } from '../../../src/time/clock.js';
import {
  type ChannelConnectedInfo,
  type ChannelEvent,
  type ChannelHttp,
  type ChannelLogger,
  NotificationChannels,
  type NotificationChannelsOptions,
  type RejectedTopic,
} from '../../../src/wfm/genesys-cloud/notification-channel.js';
import { admin, connect, genesys, token } from '../../sandbox/genesys-cloud/fixture.js';

const HOUR = 3_600_000;
const CHANNELS = '/api/v2/notifications/channels';

const clients: NotificationChannels[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A ChannelHttp as a backend builds one: undici fetch, a client-credentials token fetched again on a 401. */
function channelHttp(s: RunningGenesysSandbox): ChannelHttp & { calls: string[] } {
  let bearer: Promise<string> | undefined;
  const calls: string[] = [];
  return {
    calls,
    async json(method, path, body) {
      calls.push(`${method} ${path}`);
      for (let renewed = false; ; renewed = true) {
        bearer ??= token(s).catch((err: unknown) => {
          bearer = undefined;
          throw err;
        });
        const res = await fetch(`${s.apiBaseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${await bearer}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        if (res.status === 401 && !renewed) {
          bearer = undefined;
          continue;
        }
        if (!res.ok)
          throw Object.assign(new Error(`${method} ${path} answered ${res.status}`), { status: res.status });
        return text === '' ? undefined : JSON.parse(text);
      }
    },
  };
}

/** What the callbacks saw. */
function recorder() {
  const events: ChannelEvent[] = [];
  const connected: ChannelConnectedInfo[] = [];
  const rejected: RejectedTopic[][] = [];
  return {
    events,
    connected,
    rejected,
    onEvent: (e: ChannelEvent) => void events.push(e),
    onConnected: (i: ChannelConnectedInfo) => void connected.push(i),
    onRejected: (r: RejectedTopic[]) => void rejected.push(r),
  };
}

/** Polls `find` until it answers something truthy; fails with `what` after `timeoutMs`. */
async function until<T>(what: string, find: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Rec = ReturnType<typeof recorder>;

function channels(
  s: RunningGenesysSandbox,
  rec: Rec,
  topics: string[],
  more: Partial<NotificationChannelsOptions> = {},
): NotificationChannels & { http: ReturnType<typeof channelHttp> } {
  const http = channelHttp(s);
  const c = new NotificationChannels({
    http,
    topics,
    onEvent: rec.onEvent,
    onConnected: rec.onConnected,
    onRejected: rec.onRejected,
    heartbeatTimeoutMs: 2_000,
    reconnectBaseMs: 20,
    reconnectCapMs: 200,
    ...more,
  });
  clients.push(c);
  return Object.assign(c, { http });
}

function publish(s: RunningGenesysSandbox, topicName: string, eventBody: Record<string, unknown>): number {
  return s.hub.publish(topicName, eventBody);
}

function eventWith(rec: Rec, id: string): ChannelEvent | undefined {
  return rec.events.find((e) => (e.eventBody as { id?: string }).id === id);
}

interface HubChannel {
  id: string;
  connected: boolean;
  topics: number;
}

function hubChannels(s: RunningGenesysSandbox): HubChannel[] {
  return s.hub.describe().channels as HubChannel[];
}

/** Topics that a test authority on the sandbox's hub permits: `v2.test.trunks.{i}.metrics`. */
function testTopics(s: RunningGenesysSandbox, n: number, from = 0): string[] {
  s.hub.addAuthority((topic) => (topic.startsWith('v2.test.') ? { state: 'Permitted' } : undefined));
  return Array.from({ length: n }, (_, i) => `v2.test.trunks.${from + i}.metrics`);
}

describe('Genesys Cloud notification channels', () => {
  it('delivers the events of its topics in the Genesys envelope, and keeps heartbeats to itself', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 30 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic]);
    const started = await c.start();
    expect(started).toEqual({ permitted: [s.wfm.schedulesTopic], rejected: [] });
    expect(c.open).toBe(true);
    expect(rec.connected).toEqual([
      expect.objectContaining({ reconnect: false, topics: [s.wfm.schedulesTopic] }),
    ]);
    await until('a heartbeat', () => c.stats.messages >= 2);
    await admin(s, 'POST', '/notifications/publish', {
      topicName: s.wfm.schedulesTopic,
      eventBody: { id: 'e1', status: 'Complete' },
    });
    const e = await until('the event', () => eventWith(rec, 'e1'));
    expect(e).toEqual({
      topicName: s.wfm.schedulesTopic,
      eventBody: { id: 'e1', status: 'Complete' },
      metadata: { CorrelationId: expect.any(String) },
    });
    expect(rec.events.map((x) => x.topicName)).toEqual([s.wfm.schedulesTopic]);
  });

  it('reconnects a dropped socket to the same channel, says reconnect: true, and delivers later events', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic]);
    await c.start();
    const first = rec.connected[0]!.channelId;
    await admin(s, 'POST', '/notifications/drop', {});
    const again = await until('the reconnect', () => rec.connected[1]);
    expect(again).toEqual({ channelId: first, reconnect: true, topics: [s.wfm.schedulesTopic] });
    expect(c.http.calls).toContain(`HEAD ${CHANNELS}/${first}`);
    expect(c.stats).toMatchObject({ channelsCreated: 1, reconnects: 1 });
    expect(publish(s, s.wfm.schedulesTopic, { id: 'after-drop' })).toBe(1);
    await until('the event after the drop', () => eventWith(rec, 'after-drop'));
  });

  it('answers socket_closing with a new socket on the same channel long before the grace period ends', async () => {
    // the grace period is the sandbox's default minute: a client that waited for the close would not get here
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic]);
    await c.start();
    const first = rec.connected[0]!.channelId;
    await admin(s, 'POST', '/notifications/socket-closing', {});
    const again = await until('the handover', () => rec.connected[1]);
    expect(again).toEqual({ channelId: first, reconnect: true, topics: [s.wfm.schedulesTopic] });
    expect(c.stats).toMatchObject({ socketClosing: 1, reconnects: 1, channelsCreated: 1, takeovers: 0 });
    expect(publish(s, s.wfm.schedulesTopic, { id: 'after-closing' })).toBe(1);
    await until('the event on the new socket', () => eventWith(rec, 'after-closing'));
    expect(hubChannels(s)).toEqual([expect.objectContaining({ id: first, connected: true })]);
  });

  it('reconnects when the heartbeats stop though the socket stays open', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 30 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic], { heartbeatTimeoutMs: 300 });
    await c.start();
    await until('a heartbeat', () => c.stats.messages >= 1);
    await admin(s, 'PUT', '/notifications', { heartbeats: false });
    const again = await until('the reconnect', () => rec.connected[1]);
    expect(again).toMatchObject({ channelId: rec.connected[0]!.channelId, reconnect: true });
    expect(c.stats.heartbeatTimeouts).toBeGreaterThanOrEqual(1);
    await admin(s, 'PUT', '/notifications', { heartbeats: true });
    await until('an open socket', () => c.open && publish(s, s.wfm.schedulesTopic, { id: 'beating' }) === 1);
    await until('the event', () => eventWith(rec, 'beating'));
  });

  it('makes a new channel when another socket takes its channel over (4001) instead of taking it back', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic]);
    await c.start();
    const first = rec.connected[0]!.channelId;
    const intruder = await connect(`${s.streamingUrl}/channels/${first}`);
    const again = await until('the new channel', () => rec.connected[1]);
    expect(again.channelId).not.toBe(first);
    expect(again).toMatchObject({ reconnect: true, topics: [s.wfm.schedulesTopic] });
    expect(c.stats).toMatchObject({ takeovers: 1, channelsCreated: 2 });
    expect(
      hubChannels(s)
        .filter((h) => h.connected)
        .map((h) => h.id),
    ).toEqual(expect.arrayContaining([first, again.channelId]));
    expect(intruder.ws.readyState).toBe(intruder.ws.OPEN);
    expect(publish(s, s.wfm.schedulesTopic, { id: 'both' })).toBe(2);
    await until('the event on the new channel', () => eventWith(rec, 'both'));
  });

  it('makes a new channel when the old one expired while the clock moved 25 hours, and delivers on it', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic]);
    await c.start();
    const first = rec.connected[0]!.channelId;
    await admin(s, 'PUT', '/clock', { advanceMs: 25 * HOUR });
    const again = await until('the new channel', () => rec.connected[1]);
    expect(again.channelId).not.toBe(first);
    expect(again).toMatchObject({ reconnect: true, topics: [s.wfm.schedulesTopic] });
    expect(c.stats).toMatchObject({ expiries: 1, channelsCreated: 2 });
    expect(publish(s, s.wfm.schedulesTopic, { id: 'new-channel' })).toBe(1);
    await until('the event on the new channel', () => eventWith(rec, 'new-channel'));
  });

  it('renews a channel before it expires: the new one connected before the old one is dropped', async () => {
    // a running virtual clock near ours, so that the channel's expires can be trusted; renewal about a second after creation
    const s = await genesys({ clockStart: Date.now(), clockFrozen: false, behaviour: { heartbeatMs: 50 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic], { renewBeforeExpiryMs: 24 * HOUR - 1_000 });
    await c.start();
    const first = rec.connected[0]!.channelId;
    const renewed = await until('the renewal', () => rec.connected.find((i) => i.channelId !== first));
    expect(renewed).toMatchObject({ reconnect: false, topics: [s.wfm.schedulesTopic] });
    expect(c.stats.renewals).toBeGreaterThanOrEqual(1);
    expect(c.stats.reconnects).toBe(0);
    // still there (a channel is never deleted), but with no subscriptions and no socket
    await until('the old channel dropped', () =>
      hubChannels(s).some((h) => h.id === first && h.topics === 0 && !h.connected),
    );
    publish(s, s.wfm.schedulesTopic, { id: 'renewed' });
    await until('the event', () => eventWith(rec, 'renewed'));
  });

  it('at 20 channels renews each by subscribing it again, so that the server evicts none of them', async () => {
    const s = await genesys({
      clockStart: Date.now(),
      clockFrozen: false,
      behaviour: { heartbeatMs: 50, rateLimitPerMinute: 0 },
    });
    const topics = testTopics(s, 20_000);
    const rec = recorder();
    // the watchdog far above the heartbeats: 20 channels of 1,000 topics subscribed at once can hold a
    // loaded event loop for seconds, and only the renewal is under test here
    const c = channels(s, rec, topics, {
      renewBeforeExpiryMs: 24 * HOUR - 1_000,
      heartbeatTimeoutMs: 20_000,
    });
    await c.start();
    await until('every channel renewed', () => c.stats.renewals >= 20, 10_000);
    expect(c.stats).toMatchObject({ channelsCreated: 20, evictions: 0, reconnects: 0 });
    expect(hubChannels(s).filter((h) => h.connected && h.topics === 1_000)).toHaveLength(20);
    expect(rec.connected).toHaveLength(20);
    expect(publish(s, topics[19_999]!, { id: 'last' })).toBe(1);
    await until('the event', () => eventWith(rec, 'last'));
  });

  it('reports a topic refused for a missing permission once, holds the others, and does not ask again on reconnect', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const scheduleView = ['wfm:schedule:view', 'wfm:publishedSchedule:view'];
    await admin(s, 'PUT', '/clients/trunk-reactor', {
      permissions: DEFAULT_PERMISSIONS.filter((p) => !scheduleView.includes(p)),
    });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic, s.wfm.runsTopic]);
    const started = await c.start();
    const refusal = {
      id: s.wfm.schedulesTopic,
      rejectionReason: expect.any(String),
      missingPermissions: scheduleView,
    };
    expect(started).toEqual({ permitted: [s.wfm.runsTopic], rejected: [refusal] });
    expect(rec.rejected).toEqual([[refusal]]);
    expect(rec.connected[0]!.topics).toEqual([s.wfm.runsTopic]);
    expect(publish(s, s.wfm.runsTopic, { id: 'run' })).toBe(1);
    await until('the permitted topic', () => eventWith(rec, 'run'));
    await admin(s, 'POST', '/notifications/drop', {});
    await until('the reconnect', () => rec.connected[1]);
    expect(c.stats.rejectedTopics).toBe(1);
    expect(rec.rejected).toHaveLength(1);
    expect(c.http.calls.filter((x) => x.startsWith('PUT'))).toHaveLength(1);
  });

  it('splits more than 1,000 topics over channels of at most 1,000 and delivers on each', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const topics = testTopics(s, 2_500);
    const rec = recorder();
    const c = channels(s, rec, topics);
    const started = await c.start();
    expect(started.permitted).toHaveLength(2_500);
    expect(c.stats.channelsCreated).toBe(3);
    expect(
      hubChannels(s)
        .map((h) => h.topics)
        .sort((a, b) => a - b),
    ).toEqual([500, 1_000, 1_000]);
    expect(rec.connected.map((i) => i.topics.length)).toEqual(expect.arrayContaining([1_000, 1_000, 500]));
    for (const i of [0, 1_500, 2_499]) expect(publish(s, topics[i]!, { id: `t${i}` })).toBe(1);
    await until('an event on each channel', () => ['t0', 't1500', 't2499'].every((id) => eventWith(rec, id)));
  });

  it('refuses topics that would need more than 20 channels before asking the server for anything', async () => {
    const s = await genesys();
    const c = channels(s, recorder(), testTopics(s, 20_001));
    await expect(c.start()).rejects.toMatchObject({ code: 'TR_ERR_CHANNELS_LIMIT', channelsNeeded: 21 });
    expect(c.http.calls).toEqual([]);
  });

  it('adds a topic to the channel that has room and stops delivering a removed one', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic]);
    await c.start();
    await c.addTopics([s.wfm.runsTopic]);
    expect(c.stats.channelsCreated).toBe(1);
    expect(hubChannels(s)).toEqual([expect.objectContaining({ topics: 2 })]);
    expect(publish(s, s.wfm.runsTopic, { id: 'run' })).toBe(1);
    await until('the added topic', () => eventWith(rec, 'run'));
    await c.removeTopics([s.wfm.schedulesTopic]);
    expect(hubChannels(s)).toEqual([expect.objectContaining({ topics: 1, connected: true })]);
    expect(publish(s, s.wfm.schedulesTopic, { id: 'removed' })).toBe(0);
  });

  it('opens another channel for topics past a full one, and drops a channel left with none', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const full = testTopics(s, 1_000);
    const [extra] = testTopics(s, 1, 1_000);
    const rec = recorder();
    const c = channels(s, rec, full);
    await c.start();
    await c.addTopics([extra!]);
    expect(c.stats.channelsCreated).toBe(2);
    expect(rec.connected).toEqual([
      expect.objectContaining({ reconnect: false }),
      { channelId: expect.any(String), reconnect: false, topics: [extra] },
    ]);
    expect(c.channels.map((x) => x.topics)).toEqual([1_000, 1]);
    const [fullId, extraId] = rec.connected.map((i) => i.channelId);
    await c.removeTopics(full);
    expect(c.channels).toEqual([{ id: extraId, state: 'open', topics: 1 }]);
    expect(c.open).toBe(true);
    await until('the emptied channel dropped', () =>
      hubChannels(s).some((h) => h.id === fullId && h.topics === 0 && !h.connected),
    );
    expect(publish(s, full[0]!, { id: 'gone' })).toBe(0);
    expect(publish(s, extra!, { id: 'extra' })).toBe(1);
    await until('the event of the added topic', () => eventWith(rec, 'extra'));
  });

  it('drops messages that are not JSON, name no topic or a topic not held, and logs each kind once', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    const debug: string[] = [];
    const logger = {
      debug: (_: unknown, msg?: string) => void debug.push(msg ?? ''),
      info: () => {},
      warn: () => {},
      error: () => {},
    } as unknown as ChannelLogger;
    const rec = recorder();
    const c = channels(s, rec, [s.wfm.schedulesTopic], { logger });
    await c.start();
    const id = rec.connected[0]!.channelId;
    // the sandbox has no route that sends a broken frame: write to its side of the socket
    const hub = s.hub as unknown as { channels: Map<string, { socket?: { send(data: string): void } }> };
    const raw = hub.channels.get(id)!.socket!;
    raw.send('not json');
    raw.send('not json either');
    raw.send(JSON.stringify({ eventBody: { id: 'no-topic' } }));
    // the channel subscribed behind the client's back to a topic it does not hold
    await c.http.json('POST', `${CHANNELS}/${id}/subscriptions`, [{ id: s.wfm.runsTopic }]);
    publish(s, s.wfm.runsTopic, { id: 'stranger-1' });
    publish(s, s.wfm.runsTopic, { id: 'stranger-2' });
    publish(s, s.wfm.schedulesTopic, { id: 'held' });
    await until('the event after them', () => eventWith(rec, 'held'));
    expect(rec.events.map((e) => (e.eventBody as { id: string }).id)).toEqual(['held']);
    expect(c.stats).toMatchObject({ malformed: 3, unknownTopics: 2, reconnects: 0 });
    expect(debug.filter((m) => m.includes('not JSON or no topicName'))).toHaveLength(1);
    expect(debug.filter((m) => m.includes('a topic not held'))).toHaveLength(1);
    expect(c.open).toBe(true);
  });

  it('close() closes every socket and cancels every timer, even in the middle of a reconnect pause', async () => {
    const s = await genesys({ behaviour: { heartbeatMs: 50 } });
    let pending = 0;
    const clock: Clock = {
      now: () => systemClock.now(),
      sleep: (ms, signal) => {
        pending++;
        return systemClock.sleep(ms, signal).finally(() => pending--);
      },
    };
    const rec = recorder();
    const topics = testTopics(s, 1_500);
    const c = channels(s, rec, topics, {
      clock,
      reconnectBaseMs: HOUR,
      reconnectCapMs: HOUR,
      random: () => 0.9,
    });
    await c.start();
    expect(pending).toBeGreaterThan(0);
    await admin(s, 'POST', '/notifications/drop', { channelId: rec.connected[0]!.channelId });
    await until('a reconnect pause', () => c.channels.some((x) => x.state === 'backing-off'));
    await c.close();
    expect(pending).toBe(0);
    expect(c.open).toBe(false);
    expect(c.channels).toEqual([]);
    await until('no socket left open at the server', () => hubChannels(s).every((h) => !h.connected));
    expect(publish(s, topics[1_200]!, { id: 'after-close' })).toBe(0);
    await expect(c.addTopics(['v2.test.more'])).rejects.toMatchObject({ code: 'TR_ERR_CHANNELS_CLOSED' });
  });
});
