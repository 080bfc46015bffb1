import type { GenesysTrunkBridge } from '../bridge/genesys-cloud/bridge.js';
import { bridgeFromConfig } from '../bridge/genesys-cloud/from-config.js';
import type { RunningGenesysSandbox } from '../sandbox/genesys-cloud/server.js';
import { systemClock } from '../time/clock.js';
import type { DemoOptions, Replay } from './demo-run.js';
import { startDemoWfm } from './demo-wfm.js';
import { BRIDGE_CLIENT } from './genesys-wfm.js';
import { type Cleanup, type DemoPipeline, runCleanup, startDemoPipeline } from './kafka-pipeline.js';
import { loadScenario, scenarioModel } from './scenario.js';
import type { BridgeFigures } from './summary.js';
import { dropTick, trunkTicks } from './trunk-ticks.js';

/** Where the demo's bridge config says its client secret comes from (docs/bridge-genesys-cloud.md's example) */
const BRIDGE_SECRET_ENV = 'GENESYS_BRIDGE_CLIENT_SECRET';

const DAY_MS = 86_400_000;

/**
 * The replay from emulated Genesys Cloud: the org that holds the WFM also holds the trunks, one
 * trunk base per trunk of the events file with an instance on each of two edges, and plays the
 * events as trunk metrics notifications. `trunk-reactor bridge genesys-cloud`, built from its
 * config section as the CLI builds it, holds their topics on a notification channel, sums each
 * base's instances and produces the events into the events topic; the pipeline of
 * `trunk-reactor run` reads them from there and writes to the same org's WFM.
 *
 * Time, as in the Kafka replay: the org's virtual clock moves to a minute's samples before they
 * are published, and the next minute goes only once the bridge has produced the minute's events
 * and the pipeline is idle. Once in the story the bridge's socket is dropped just before a
 * minute's samples go out: they reach no socket, and come back from the REST read the bridge
 * makes when it reconnects.
 */
export const replayThroughBridge: Replay = async (o: DemoOptions, killSwitch, serve) => {
  const k = o.kafka;
  if (!k)
    throw new TypeError(
      'the bridge writes the trunk metrics into Kafka: replayThroughBridge needs the kafka options',
    );
  if (o.wfm !== 'genesys-cloud')
    throw new RangeError(
      'the trunk metrics come from the emulated Genesys Cloud org that also holds the WFM: use it with wfm genesys-cloud',
    );
  const scenario = await loadScenario(o);
  const cleanup: Cleanup = [];
  try {
    const model = scenarioModel(scenario);
    await serve(model);
    const wfm = await startDemoWfm(o, scenario);
    cleanup.push(() => wfm.close());
    if (wfm.kind !== 'genesys-cloud') throw new TypeError('the bridge reads an emulated Genesys Cloud org');
    const org = wfm.sandbox;
    const p = await startDemoPipeline({
      k,
      scenario,
      wfm,
      model,
      killSwitch,
      cleanup,
      extraSections: { bridge: { genesysCloud: bridgeSection(org) } },
    });
    const { bridge, http } = bridgeFromConfig(
      { config: p.config, secrets: { bridgeClientSecret: BRIDGE_CLIENT.secret } },
      { clock: systemClock, logger: p.logger },
    );
    cleanup.push(() => http.close());
    cleanup.push(() => bridge.stop(Date.now() + 5_000));
    await bridge.start();

    const trunks = org.trunks;
    const ticks = trunkTicks(trunks.timeline);
    const drop = dropTick(ticks);
    const total = trunks.timeline.length;
    let stepped = 0;
    let expected = 0;
    let undelivered = 0;
    for (const [i, tick] of ticks.entries()) {
      if (i > 0 && (o.paceMs ?? 0) > 0) await new Promise((r) => setTimeout(r, o.paceMs));
      if (tick.time > wfm.clock.now()) wfm.clock.set(tick.time);
      if (i === drop) dropBridgeSockets(org);
      const before = trunks.produced.total;
      trunks.step(tick.entries);
      undelivered += countUndelivered(org, before);
      stepped += tick.entries;
      expected += tick.events;
      model.feed({ label: 'demo through the bridge', done: stepped, total, finished: false });
      await produced(p, bridge, expected, tick.time);
      await p.idle(tick.time);
      o.progress(stepped, total, wfm.clock.now());
    }
    const summary = await p.summarize('genesys-cloud', bridge.stats.eventsProduced);
    summary.bridge = bridgeFigures(bridge, org, undelivered);
    return { summary, model };
  } finally {
    await runCleanup(cleanup);
  }
};

/**
 * The bridge's config section for the org: its own OAuth client, and every trunk base mapped to
 * the trunk it plays (what `GET /_sandbox/trunks/mapping` answers, as a team writes it by hand).
 */
function bridgeSection(org: RunningGenesysSandbox): Record<string, unknown> {
  const trunks = org.trunks.mapping().map(({ trunkBaseId, trunkBaseName: _, ...t }) => [trunkBaseId, t]);
  return {
    apiBaseUrl: org.apiBaseUrl,
    loginBaseUrl: org.loginUrl,
    allowInsecureHttp: true,
    clientId: BRIDGE_CLIENT.id,
    // what a service would read from that variable: the demo hands it over without setting it
    clientSecret: { env: BRIDGE_SECRET_ENV },
    trunks: Object.fromEntries(trunks),
    // The story's time is the org's virtual clock, moved a minute of samples at a time; timers of
    // real time would read REST at moments unrelated to it, and the counts would differ from run
    // to run. The bridge reads REST at its start and after every reconnect, and lists the trunks
    // at its start: the org's trunks do not change during the story.
    gapFillIntervalMs: DAY_MS,
    rediscoverIntervalMs: DAY_MS,
  };
}

/** Drops the bridge client's sockets without a close frame, as a network failure does. */
function dropBridgeSockets(org: RunningGenesysSandbox): void {
  const channels = org.hub.describe().channels as Array<{ id: string; clientId: string; connected: boolean }>;
  for (const c of channels) if (c.clientId === BRIDGE_CLIENT.id && c.connected) org.hub.dropSockets(c.id);
}

/** Instance samples from seq `before` + 1 on that reached no socket. */
function countUndelivered(org: RunningGenesysSandbox, before: number): number {
  const { entries } = org.trunks.produced.since(before + 1, org.trunks.produced.total - before);
  return entries.filter((e) => e.delivered === 0).length;
}

/** Waits until Kafka has taken `expected` events from the bridge in all. */
function produced(p: DemoPipeline, bridge: GenesysTrunkBridge, expected: number, at: number): Promise<void> {
  return p.waitFor(async () => {
    const n = bridge.stats.eventsProduced;
    return n >= expected
      ? null
      : `the bridge to produce ${expected} trunk base events into Kafka (has ${n}, state ${bridge.state})`;
  }, at);
}

function bridgeFigures(
  bridge: GenesysTrunkBridge,
  org: RunningGenesysSandbox,
  undelivered: number,
): BridgeFigures {
  const s = bridge.stats;
  const c = bridge.channelCounts();
  const progress = bridge.progress();
  return {
    trunkBases: progress.mappedBases,
    instances: progress.instances,
    channels: progress.channels,
    published: org.trunks.produced.total,
    undelivered,
    linesLeftOut: org.trunks.timeline.skipped,
    samples: { ...s.samplesReceived },
    eventsProduced: s.eventsProduced,
    restReads: Object.values(s.gapFills).reduce((a, b) => a + b, 0),
    gapsFilled: s.gapsFilled,
    reconnects: c.reconnects,
    skipped: { duplicate: s.skipped.duplicate, stale: s.skipped.stale, unmapped: s.skipped.unmapped },
    malformed: c.malformed + s.malformed.notification + s.malformed.rest,
    partialEvents: s.partialEvents,
  };
}
