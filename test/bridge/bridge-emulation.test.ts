import { afterEach, describe, expect, it } from 'vitest';
import {
  eventsByKey,
  eventsFile,
  expectedEvents,
  type Rig,
  startRig,
  stopRigs,
  waitUntil,
} from './support/rig.js';

afterEach(stopRigs);

/** Waits until the bridge has sent as many events as the scenario's samples make, then reads them. */
async function settle(rig: Rig, expected: number) {
  await waitUntil(
    () => rig.bridge.stats.eventsProduced >= expected,
    () =>
      `${expected} events produced (have ${rig.bridge.stats.eventsProduced}; ${JSON.stringify(rig.bridge.stats)})`,
  );
  return eventsByKey(await rig.events());
}

describe('bridge genesys-cloud against the emulation', () => {
  it('sends each trunk base sample to the topic once, its edge instances summed, keyed by the mapped trunk id', async () => {
    const rig = await startRig({ trunks: { eventsFile: eventsFile(3, 5), edges: 2 } });
    await rig.admin('POST', '/trunks/play', { speed: 1_000 });
    const produced = await (async () => {
      await waitUntil(
        async () =>
          (await rig.admin<{ playback: { state: string } }>('GET', '/trunks/state')).playback.state ===
          'finished',
        'the scenario finished',
      );
      return rig.produced();
    })();
    expect(produced).toHaveLength(3 * 5 * 2);
    const expected = expectedEvents(produced, rig.mapping);
    expect(expected.size).toBe(15);
    const events = await settle(rig, expected.size);
    expect(events.doubled).toEqual([]);
    expect(Object.fromEntries(events.byKey)).toEqual(Object.fromEntries(expected));
    const all = await rig.events();
    for (const e of all) {
      const m = Object.values(rig.mapping).find((x) => x.trunkId === e.trunkId)!;
      expect(e).toMatchObject({
        key: m.trunkId,
        trunkGroup: m.trunkGroup,
        site: m.site,
        capacity: m.capacity,
      });
      expect(e.eventTime).toMatch(/Z$/);
    }
    expect(rig.bridge.stats.partialEvents).toBe(0);
  });
});

interface TrunkState {
  playback: { state: string };
  trunkBases: Array<{ id: string; name: string; trunkType: string; instances: Array<{ id: string }> }>;
}

/** Publishes the next `count` scenario entries at once (the playback paused). */
async function step(rig: Rig, count: number): Promise<void> {
  await rig.admin('POST', '/trunks/step', { count });
}

/** Every event the scenario's samples so far make is on the topic once, with the calls summed. */
async function expectAllOnce(rig: Rig): Promise<void> {
  const expected = expectedEvents(await rig.produced(), rig.mapping);
  const got = await settle(rig, expected.size);
  expect(got.doubled).toEqual([]);
  expect(Object.fromEntries(got.byKey)).toEqual(Object.fromEntries(expected));
}

describe('bridge genesys-cloud faults against the emulation', () => {
  it('fills a dropped socket’s gap from REST: the samples published while it was down arrive, none twice', async () => {
    const rig = await startRig({ trunks: { eventsFile: eventsFile(2, 6) }, reconnectMs: 1_500 });
    await step(rig, 2);
    await settle(rig, 2);
    const dropped = await rig.admin<{ dropped: number }>('POST', '/notifications/drop', {});
    expect(dropped.dropped).toBe(1);
    // published while the bridge waits to reconnect: no socket gets them
    await step(rig, 2);
    const missed = (await rig.produced()).slice(-4);
    expect(missed.map((p) => p.delivered)).toEqual([0, 0, 0, 0]);
    await settle(rig, 4);
    expect(rig.bridge.stats.gapsFilled).toBeGreaterThanOrEqual(4);
    await step(rig, 4);
    await expectAllOnce(rig);
    expect(rig.bridge.channelCounts().reconnects).toBe(1);
  });

  it('answers socket_closing with a new socket and a REST read, and sends nothing twice', async () => {
    const rig = await startRig({ trunks: { eventsFile: eventsFile(2, 6) } });
    await step(rig, 4);
    await settle(rig, 4);
    const told = await rig.admin<{ told: number }>('POST', '/notifications/socket-closing', {});
    expect(told.told).toBe(1);
    await waitUntil(() => rig.bridge.channelCounts().reconnects === 1, 'the handover to a new socket');
    await waitUntil(() => rig.bridge.stats.gapFills.reconnect >= 1, 'the REST read after the handover');
    // the REST read brought the latest samples the notifications had brought already
    await waitUntil(() => rig.bridge.stats.skipped.duplicate >= 4, 'the REST samples counted as duplicates');
    await step(rig, 8);
    await expectAllOnce(rig);
    expect(rig.bridge.channelCounts().socketClosing).toBe(1);
  });

  it('follows a channel that expired and a token that expired with it: a new channel, the gap filled, nothing lost', async () => {
    const rig = await startRig({ trunks: { eventsFile: eventsFile(2, 6) } });
    await step(rig, 2);
    await settle(rig, 2);
    const tokens = rig.sandbox.stats.tokensIssued;
    // past the channel's 24 hours and the token's on the emulation's clock
    await rig.admin('PUT', '/clock', { advanceMs: 25 * 3_600_000 });
    await step(rig, 2);
    await waitUntil(() => rig.bridge.channelCounts().expiries >= 1, 'the expired channel found gone');
    // REST gives a trunk's latest sample only: one sample a trunk while the bridge is away is all it can get back
    await waitUntil(
      () => rig.bridge.readiness().channels.ready && rig.bridge.stats.gapFills.reconnect >= 1,
      'a new channel open and its gap filled',
    );
    await step(rig, 2);
    await expectAllOnce(rig);
    expect(rig.sandbox.stats.tokensIssued).toBeGreaterThan(tokens);
  });

  it('skips the samples of a trunk base the mapping leaves out, counting them and reporting the base once', async () => {
    const rig = await startRig({ trunks: { eventsFile: eventsFile(3, 4) }, omit: ['sg-byoc-02'] });
    await step(rig, 12);
    const produced = await rig.produced();
    const unmapped = produced.filter((p) => p.trunkBaseName === 'sg-byoc-02');
    expect(unmapped).toHaveLength(8);
    await expectAllOnce(rig);
    await waitUntil(() => rig.bridge.stats.skipped.unmapped >= 8, 'the unmapped samples counted');
    expect(rig.bridge.stats.skipped.unmapped).toBe(8);
    expect((await rig.events()).some((e) => e.trunkId === 'sg-byoc-02')).toBe(false);
    const reports = rig.logs.filter((l) => l.msg.includes('has no mapping'));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.msg).toContain("'sg-byoc-02'");
    const text = await rig.registry.metrics();
    expect(text).toMatch(/trunk_reactor_bridge_samples_skipped_total\{reason="unmapped"\} 8/);
  });

  it('counts a malformed notification body, reads that trunk from REST instead, and goes on', async () => {
    const rig = await startRig({ trunks: { eventsFile: eventsFile(2, 4) } });
    await step(rig, 2);
    await settle(rig, 2);
    await rig.admin('POST', '/trunks/malformed', { count: 1, kind: 'string-counts' });
    await step(rig, 2);
    await waitUntil(() => rig.bridge.stats.malformed.notification === 1, 'the malformed body counted');
    // REST knows only a trunk's latest sample: the next samples wait until it has been read
    await settle(rig, 4);
    await step(rig, 4);
    await expectAllOnce(rig);
    expect(rig.bridge.stats.malformed.notification).toBe(1);
    expect(rig.bridge.stats.partialEvents).toBe(0);
    expect(await rig.registry.metrics()).toMatch(
      /trunk_reactor_bridge_malformed_total\{where="notification"\} 1/,
    );
  });

  it('follows a trunk instance added to a base and one removed: subscribed, summed, and dropped', async () => {
    const rig = await startRig({
      trunks: { eventsFile: eventsFile(2, 6) },
      bridge: { rediscoverIntervalMs: 1_000 },
    });
    await step(rig, 2);
    await settle(rig, 2);
    const added = await rig.admin<{ id: string }>('POST', '/trunks/instances', { trunkBase: 'sg-byoc-01' });
    await waitUntil(() => rig.bridge.progress().instances === 5, 'the added instance discovered');
    await step(rig, 2);
    const three = (await rig.produced()).filter((p) => p.trunkBaseName === 'sg-byoc-01').slice(-3);
    expect(three.map((p) => p.trunkId)).toContain(added.id);
    expect(three.every((p) => p.delivered === 1)).toBe(true);
    const state = await rig.admin<TrunkState>('GET', '/trunks/state');
    const first = state.trunkBases.find((b) => b.name === 'sg-byoc-01')!.instances[0]!.id;
    await rig.admin('DELETE', `/trunks/instances/${first}`);
    await waitUntil(() => rig.bridge.progress().instances === 4, 'the removed instance dropped');
    await step(rig, 4);
    await expectAllOnce(rig);
    expect(rig.bridge.stats.partialEvents).toBe(0);
  });
  it('lists the trunks and reads their metrics through failing requests, each tried again after a pause', async () => {
    const rig = await startRig({ trunks: { eventsFile: eventsFile(2, 4) }, idle: true });
    await step(rig, 2);
    // half the API requests answered 500 or 503 while the bridge starts (the login host is spared); the
    // seed fixes which, and the start's requests go one after the other, so every run meets the same ones
    await rig.admin('PUT', '/faults', { errorRate: 0.5, seed: 3 });
    await rig.bridge.start();
    await rig.admin('PUT', '/faults', { errorRate: 0 });
    const stats = await rig.admin<{ byStatus: Record<string, number> }>('GET', '/stats');
    expect((stats.byStatus['500'] ?? 0) + (stats.byStatus['503'] ?? 0)).toBeGreaterThan(0);
    expect(
      rig.logs.filter((l) => l.level === 40 && / failed; trying again$/.test(l.msg)).length,
    ).toBeGreaterThan(0);
    // the samples published before the start came from the REST read at start
    await settle(rig, 2);
    expect(rig.bridge.stats.gapFills.start).toBe(1);
    await step(rig, 6);
    await expectAllOnce(rig);
  });
});
