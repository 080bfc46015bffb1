/**
 * bench:bridge — `trunk-reactor bridge genesys-cloud` against the emulated Genesys Cloud, as its
 * own process, writing to the test broker (KAFKA_BROKERS, default 127.0.0.1:29092).
 *
 * (a) Faults: a synthetic load of 30 trunk instances (15 trunk bases × 2 edges), one sample every
 *     2 s each, played in real time while the emulation drops the bridge's socket 20 times (no
 *     close frame), sends `v2.system.socket_closing` twice and lets the channel expire once (its
 *     virtual clock moved 25 h on, which expires the token too). Every sample the scenario produced
 *     is held to the topic: per trunk base and eventTime, one event, its instances' calls summed —
 *     0 lost, 0 duplicated, 0 wrong. Notifications sent while a socket is down are lost for good
 *     and REST gives a trunk's latest sample only, so this holds only while a reconnect and its
 *     REST read take less than the 2 s between samples; the faults come 5 s apart, each at a
 *     different phase of the sample period. Event age at produce: each record's CreateTime (the
 *     bridge's clock when it sent it) − its eventTime (the emulation stamps eventTime with the wall
 *     clock when it publishes, at most one 50 ms tick late).
 * (b) Scale: 5,000 trunk instances (2,500 bases × 2 edges; 5 channels of 1,000 topics) at one
 *     sample a second each. The bridge runs pinned to core 0 (`taskset -c 0`) and this process
 *     (the emulation's publisher) to core 1; after a warm-up, the bridge's CPU share (utime + stime
 *     from /proc/<pid>/stat over the window) and RSS (VmRSS, the largest sample), over
 *     `--scale-runs` runs (3), each with a new bridge process. Bars, on the worst run: ≤ 25% of a
 *     core, ≤ 150 MiB. The bridge runs with docker-compose.yml's NODE_OPTIONS for it
 *     (`--node-options=…` instead; `--node-options=` for V8's defaults).
 *
 *   npm run bench:bridge [-- --only faults|scale --measure-seconds 60 --scale-runs 3 --no-docs]
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { fetch } from 'undici';
import { parse } from 'yaml';
import { type RunningGenesysSandbox, startGenesysSandbox } from '../src/sandbox/genesys-cloud/server.js';
import type { SyntheticLoad } from '../src/sandbox/genesys-cloud/trunk-options.js';
import {
  type BridgeProcess,
  cpuSeconds,
  hasTaskset,
  rssMiB,
  startBridgeProcess,
} from '../test/bridge/support/bridge-process.js';
import type { MappingEntry, ProducedEntry } from '../test/bridge/support/rig.js';
import { readStamped } from '../test/bridge/support/topic-records.js';
import { sandboxAdmin } from '../test/support/sandbox-admin-http.js';
import { type Bar, barsTable, finalLine, machine, printBars, writeDocSection } from './support/report.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'measure-seconds': { type: 'string', default: '60' },
    'no-docs': { type: 'boolean', default: false },
    'node-options': { type: 'string' },
    'scale-runs': { type: 'string', default: '3' },
  },
});
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(',');
const CLIENT = { id: 'trunk-reactor', secret: 'sandbox-secret' };
/**
 * The bridge's NODE_OPTIONS as deployed: docker-compose.yml's bridge service sets them (its
 * heap: docs/bridge-genesys-cloud.md, "Running it"); `--node-options ''` runs on V8's defaults.
 */
const NODE_OPTIONS = values['node-options'] ?? composeNodeOptions();
const SECRET_ENV = { GENESYS_BRIDGE_CLIENT_SECRET: CLIENT.secret, NODE_OPTIONS };

function composeNodeOptions(): string {
  const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as {
    services?: Record<string, { environment?: Record<string, string> }>;
  };
  const options = compose.services?.bridge?.environment?.NODE_OPTIONS;
  if (options === undefined) throw new Error("docker-compose.yml's bridge service sets no NODE_OPTIONS");
  return options;
}

/** (a): one sample every 2 s per instance; the faults 5 s apart. */
const FAULT_LOAD: SyntheticLoad = { instances: 30, perSecond: 0.5, seconds: 150, capacity: 60 };
const FAULT_GAP_MS = 5_000;
const FAULT_PLAN: Array<'drop' | 'closing' | 'expiry'> = [
  ...Array<'drop'>(7).fill('drop'),
  'closing',
  ...Array<'drop'>(7).fill('drop'),
  'expiry',
  ...Array<'drop'>(6).fill('drop'),
  'closing',
];
/** (b) */
const SCALE_LOAD: SyntheticLoad = { instances: 5_000, perSecond: 1, seconds: 3_600, capacity: 100 };
const WARM_UP_MS = 15_000;
const MEASURE_MS = Number(values['measure-seconds']) * 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tty = process.stderr.isTTY === true;

/**
 * The bridge runs as deployed (the Dockerfile's `node dist/cli/main.js`): compiled to a directory
 * of its own under .cache (git-ignored), so the repository's dist stays as it is. When the sources
 * do not compile, it runs through tsx instead, which costs its process some 30–50 MiB more RSS,
 * and the figures say so.
 */
function compiledEntry(): string | undefined {
  const out = fileURLToPath(new URL('../.cache/bench-bridge-dist/', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], {
    cwd: fileURLToPath(new URL('../', import.meta.url)),
    encoding: 'utf8',
  });
  if (r.status === 0) return `${out}cli/main.js`;
  process.stderr.write(
    `bench:bridge: the sources do not compile; the bridge runs through tsx\n${r.stdout.slice(0, 2_000)}\n`,
  );
  return undefined;
}
const ENTRY = compiledEntry();
const RUNTIME = ENTRY
  ? 'compiled and run by node, as the Dockerfile runs it'
  : 'run through tsx: the sources did not compile';
const kafka = new Kafka({ clientId: 'bench-bridge', brokers: BROKERS, logLevel: logLevel.NOTHING });
const m = machine();

function admin<T = Record<string, unknown>>(
  s: RunningGenesysSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  return sandboxAdmin<T>(s.url, method, path, body);
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench:bridge: timed out waiting for ${what}`);
    await sleep(200);
  }
}

function bridgeConfig(s: RunningGenesysSandbox, trunks: Record<string, MappingEntry>, topic: string) {
  return {
    kafka: { brokers: BROKERS, topics: { events: topic }, partitions: 6 },
    admin: { host: '127.0.0.1' },
    log: { level: 'info', pretty: false },
    bridge: {
      genesysCloud: {
        apiBaseUrl: s.apiBaseUrl,
        loginBaseUrl: s.loginUrl,
        allowInsecureHttp: true,
        clientId: CLIENT.id,
        clientSecret: { env: 'GENESYS_BRIDGE_CLIENT_SECRET' },
        trunks,
        adminPort: 0,
      },
    },
  };
}

/** A number of the bridge's /metrics, summed over its label sets. */
async function metric(p: BridgeProcess, name: string): Promise<number> {
  const text = await (await fetch(`${p.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function ready(p: BridgeProcess, timeoutMs: number): Promise<void> {
  await until(
    'the bridge ready',
    timeoutMs,
    async () => (await fetch(`${p.adminUrl}/readyz`)).status === 200,
  );
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * How far the emulation's eventTimes trail its wall clock: playing maps the first entry's eventTime
 * (a synthetic load starts on a whole second) onto the wall time of `play`, so every sample is
 * published about this long after its eventTime. Read from the playhead, milliseconds.
 */
async function playbackOffset(s: RunningGenesysSandbox): Promise<number> {
  const before = Date.now();
  const st = await admin<{ playback: { position?: string } }>(s, 'GET', '/trunks/state');
  const after = Date.now();
  return (before + after) / 2 - Date.parse(st.playback.position ?? new Date(after).toISOString());
}

/** p50 / p99 / max of each record's CreateTime − (its eventTime + offset): its age since it was published. */
function ages(records: readonly { value: string; timestamp: number }[], offsetMs: number) {
  const raw: number[] = [];
  const published: number[] = [];
  for (const r of records) {
    const time = Date.parse((JSON.parse(r.value) as { eventTime: string }).eventTime);
    raw.push(r.timestamp - time);
    published.push(r.timestamp - time - offsetMs);
  }
  raw.sort((a, b) => a - b);
  published.sort((a, b) => a - b);
  const q = (xs: number[], x: number) => Math.round(quantile(xs, x));
  return {
    sincePublishedP50Ms: q(published, 0.5),
    sincePublishedP99Ms: q(published, 0.99),
    sincePublishedMaxMs: Math.round(published.at(-1) ?? Number.NaN),
    sinceEventTimeP50Ms: q(raw, 0.5),
    sinceEventTimeP99Ms: q(raw, 0.99),
  };
}

// ─── (a) faults ─────────────────────────────────────────────────────────────────────────────

interface FaultFigures {
  instanceSamples: number;
  /** of them, heard by no socket of the bridge (published while it was away) */
  heardByNoSocket: number;
  expectedEvents: number;
  eventsOnTopic: number;
  lost: number;
  duplicated: number;
  wrongSums: number;
  socketDrops: number;
  socketClosing: number;
  channelExpiries: number;
  reconnects: number;
  gapFills: number;
  gapsFilled: number;
  /** how far the emulation's eventTimes trailed its wall clock, milliseconds */
  playbackOffsetMs: number;
  age: ReturnType<typeof ages>;
  exitCode: number | null;
}

async function faultRun(): Promise<FaultFigures> {
  const s = await startGenesysSandbox({ port: 0, trunks: { synthetic: FAULT_LOAD, edges: 2 } });
  const topic = `bench-bridge-faults-${randomUUID()}`;
  let p: BridgeProcess | undefined;
  try {
    const { trunks } = await admin<{ trunks: Record<string, MappingEntry> }>(s, 'GET', '/trunks/mapping');
    p = await startBridgeProcess({
      config: bridgeConfig(s, trunks, topic),
      env: SECRET_ENV,
      ...(ENTRY ? { entry: ENTRY } : {}),
    });
    await ready(p, 60_000);
    await admin(s, 'POST', '/trunks/play', { speed: 1 });
    const started = Date.now();
    const offset = await playbackOffset(s);
    let drops = 0;
    let closings = 0;
    let expiries = 0;
    for (const [i, fault] of FAULT_PLAN.entries()) {
      // 5 s apart against a 2 s sample period: each fault at another phase of it
      await sleep(Math.max(0, started + (i + 1) * FAULT_GAP_MS + 137 * i - Date.now()));
      for (let tries = 0; ; tries++) {
        let done = 0;
        if (fault === 'drop')
          done = (await admin<{ dropped: number }>(s, 'POST', '/notifications/drop', {})).dropped;
        else if (fault === 'closing')
          done = (await admin<{ told: number }>(s, 'POST', '/notifications/socket-closing', {})).told;
        else {
          const before = (await admin<{ stats: { expired: number } }>(s, 'GET', '/notifications')).stats
            .expired;
          await admin(s, 'PUT', '/clock', { advanceMs: 25 * 3_600_000 });
          done =
            (await admin<{ stats: { expired: number } }>(s, 'GET', '/notifications')).stats.expired - before;
        }
        if (done > 0) break;
        // the bridge was between sockets: the fault goes again once it has one
        if (tries > 40) throw new Error(`bench:bridge: no socket to ${fault} for 10 s`);
        await sleep(250);
      }
      if (fault === 'drop') drops++;
      else if (fault === 'closing') closings++;
      else expiries++;
      if (tty)
        process.stderr.write(`\r(a) faults: ${drops} drops, ${closings} socket_closing, ${expiries} expiry`);
    }
    process.stderr.write(
      `${tty ? '\n' : ''}(a) faults done: ${drops} drops, ${closings} socket_closing, ${expiries} expiry\n`,
    );
    await until('the scenario played', FAULT_LOAD.seconds! * 1_000 + 60_000, async () => {
      const st = await admin<{ playback: { state: string } }>(s, 'GET', '/trunks/state');
      return st.playback.state === 'finished';
    });
    const produced = (
      await admin<{ entries: ProducedEntry[] }>(s, 'GET', '/trunks/produced?since=1&limit=10000000')
    ).entries;
    const expected = new Map<string, number>();
    for (const e of produced) {
      const t = trunks[e.trunkBaseId];
      if (!t) continue;
      const key = `${t.trunkId}@${Date.parse(e.eventTime)}`;
      expected.set(key, (expected.get(key) ?? 0) + e.inboundCallCount + e.outboundCallCount);
    }
    // the last samples wait at most instanceWaitMs for their base's other instance
    let last = -1;
    await until('the bridge done sending', 60_000, async () => {
      const n = await metric(p!, 'trunk_reactor_bridge_events_produced_total');
      const settled = n >= expected.size || n === last;
      last = n;
      if (!settled) await sleep(2_000);
      return settled;
    });
    const reconnects = await metric(p, 'trunk_reactor_bridge_reconnects_total');
    const channelExpiries = await metric(p, 'trunk_reactor_bridge_channel_expiries_total');
    const socketClosing = await metric(p, 'trunk_reactor_bridge_socket_closing_total');
    const gapFills = await metric(p, 'trunk_reactor_bridge_gap_fills_total');
    const gapsFilled = await metric(p, 'trunk_reactor_bridge_gaps_filled_total');
    const exitCode = await p.stop();
    const records = await readStamped(kafka, topic);
    const seen = new Map<string, number>();
    let duplicated = 0;
    let wrongSums = 0;
    for (const r of records) {
      const e = JSON.parse(r.value) as { trunkId: string; eventTime: string; activeCalls: number };
      const time = Date.parse(e.eventTime);
      const key = `${e.trunkId}@${time}`;
      if (seen.has(key)) duplicated++;
      seen.set(key, e.activeCalls);
      if (expected.has(key) && expected.get(key) !== e.activeCalls) wrongSums++;
    }
    const lost = [...expected.keys()].filter((k) => !seen.has(k)).length;
    return {
      instanceSamples: produced.length,
      heardByNoSocket: produced.filter((e) => e.delivered === 0).length,
      expectedEvents: expected.size,
      eventsOnTopic: records.length,
      lost,
      duplicated,
      wrongSums,
      socketDrops: drops,
      socketClosing,
      channelExpiries,
      reconnects,
      gapFills,
      gapsFilled,
      playbackOffsetMs: Math.round(offset),
      age: ages(records, offset),
      exitCode,
    };
  } finally {
    await p?.stop(5_000);
    await s.close();
  }
}

// ─── (b) scale ──────────────────────────────────────────────────────────────────────────────

interface ScaleFigures {
  instances: number;
  bases: number;
  channels: number;
  pinned: boolean;
  measureSeconds: number;
  cpuShare: number;
  rssMaxMiB: number;
  samplesInPerSecond: number;
  eventsOutPerSecond: number;
  /** RSS when the window began, MiB */
  rssStartMiB: number;
  /** V8's young generation at the window's end, MiB */
  youngMiB: number;
  playbackOffsetMs: number;
  /** over the events Kafka took in the window */
  age: ReturnType<typeof ages>;
  buffered: number;
}

/** The bridge's V8 young generation (new space), MiB, from its Prometheus default metrics. */
async function newSpaceMiB(p: BridgeProcess): Promise<number> {
  const text = await (await fetch(`${p.adminUrl}/metrics`)).text();
  const v = /^trunk_reactor_nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)/m.exec(text)?.[1];
  return v === undefined ? Number.NaN : Number(v) / 2 ** 20;
}

async function scaleRun(): Promise<ScaleFigures> {
  const pinned = hasTaskset();
  if (pinned) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const s = await startGenesysSandbox({ port: 0, trunks: { synthetic: SCALE_LOAD, edges: 2 } });
  const topic = `bench-bridge-scale-${randomUUID()}`;
  let p: BridgeProcess | undefined;
  try {
    const { trunks } = await admin<{ trunks: Record<string, MappingEntry> }>(s, 'GET', '/trunks/mapping');
    p = await startBridgeProcess({
      config: bridgeConfig(s, trunks, topic),
      env: SECRET_ENV,
      ...(pinned ? { cpu: 0 } : {}),
      ...(ENTRY ? { entry: ENTRY } : {}),
    });
    await ready(p, 180_000);
    const channels = (await admin<{ channels: unknown[] }>(s, 'GET', '/notifications')).channels.length;
    await admin(s, 'POST', '/trunks/play', { speed: 1 });
    const offset = await playbackOffset(s);
    process.stderr.write(
      `(b) ${SCALE_LOAD.instances} instances playing; warming up ${WARM_UP_MS / 1000} s\n`,
    );
    await sleep(WARM_UP_MS);
    const read = (f: string) => readFileSync(f, 'utf8');
    const cpu0 = cpuSeconds(p.pid, read);
    const t0 = performance.now();
    const wall0 = Date.now();
    const in0 = await metric(p, 'trunk_reactor_bridge_samples_received_total');
    const out0 = await metric(p, 'trunk_reactor_bridge_events_produced_total');
    const rssStart = rssMiB(p.pid, read);
    let rssMax = rssStart;
    while (performance.now() - t0 < MEASURE_MS) {
      await sleep(1_000);
      rssMax = Math.max(rssMax, rssMiB(p.pid, read));
      process.stderr.write(
        `\r(b) measuring: ${Math.round((performance.now() - t0) / 1000)} s, RSS ${rssMax.toFixed(0)} MiB`,
      );
    }
    const cpu1 = cpuSeconds(p.pid, read);
    const elapsed = (performance.now() - t0) / 1000;
    const in1 = await metric(p, 'trunk_reactor_bridge_samples_received_total');
    const out1 = await metric(p, 'trunk_reactor_bridge_events_produced_total');
    const wall1 = Date.now();
    const buffered = await metric(p, 'trunk_reactor_bridge_buffered_events');
    const youngMiB = await newSpaceMiB(p);
    if (tty) process.stderr.write('\n');
    await p.stop();
    const window = (await readStamped(kafka, topic)).filter(
      (r) => r.timestamp >= wall0 && r.timestamp <= wall1,
    );
    return {
      instances: SCALE_LOAD.instances,
      bases: Object.keys(trunks).length,
      channels,
      pinned,
      measureSeconds: Math.round(elapsed),
      cpuShare: (cpu1 - cpu0) / elapsed,
      rssMaxMiB: rssMax,
      samplesInPerSecond: (in1 - in0) / elapsed,
      eventsOutPerSecond: (out1 - out0) / elapsed,
      rssStartMiB: rssStart,
      youngMiB,
      playbackOffsetMs: Math.round(offset),
      age: ages(window, offset),
      buffered,
    };
  } finally {
    await p?.stop(10_000);
    await s.close();
  }
}

// ─── report ─────────────────────────────────────────────────────────────────────────────────

const only = values.only;
if (only !== undefined && only !== 'faults' && only !== 'scale')
  throw new Error('--only takes faults or scale');
const faults = only === 'scale' ? undefined : await faultRun();
/**
 * (b) several times, each with a new bridge process: its RSS at the largest depends on when V8
 * collects, so one run says little; the bars take the worst run
 */
const scaleRuns: ScaleFigures[] = [];
if (only !== 'faults') {
  const n = Math.max(1, Number(values['scale-runs']));
  for (let i = 1; i <= n; i++) {
    const r = await scaleRun();
    process.stderr.write(
      `(b) run ${i}/${n}: CPU ${(r.cpuShare * 100).toFixed(1)}%, RSS ≤ ${r.rssMaxMiB.toFixed(1)} MiB\n`,
    );
    scaleRuns.push(r);
  }
}
const worstRss = [...scaleRuns].sort((a, b) => b.rssMaxMiB - a.rssMaxMiB)[0];
const scale = worstRss && {
  ...worstRss,
  cpuShare: Math.max(...scaleRuns.map((r) => r.cpuShare)),
  runs: scaleRuns.map((r) => ({ cpuShare: r.cpuShare, rssMaxMiB: r.rssMaxMiB })),
};

const bars: Bar[] = [];
if (faults) {
  bars.push(
    { name: 'samples lost (fault run)', target: 0, actual: faults.lost, ok: faults.lost === 0 },
    {
      name: 'samples duplicated (fault run)',
      target: 0,
      actual: faults.duplicated,
      ok: faults.duplicated === 0,
    },
    {
      name: 'events with a wrong sum (fault run)',
      target: 0,
      actual: faults.wrongSums,
      ok: faults.wrongSums === 0,
    },
    {
      name: 'faults: socket drops, socket_closing, channel expiries',
      target: '≥ 20, 2, 1',
      actual: `${faults.socketDrops}, ${faults.socketClosing}, ${faults.channelExpiries}`,
      ok: faults.socketDrops >= 20 && faults.socketClosing >= 2 && faults.channelExpiries >= 1,
    },
  );
}
if (scale) {
  bars.push(
    {
      name: `bridge CPU at ${scale.instances.toLocaleString('en')} instances × 1/s (share of one core, worst of ${scale.runs.length} runs)`,
      target: '≤ 25%',
      actual: `${(scale.cpuShare * 100).toFixed(1)}%`,
      ok: scale.cpuShare <= 0.25,
    },
    {
      name: `bridge RSS at ${scale.instances.toLocaleString('en')} instances × 1/s (MiB, worst of ${scale.runs.length} runs)`,
      target: '≤ 150',
      actual: Number(scale.rssMaxMiB.toFixed(1)),
      ok: scale.rssMaxMiB <= 150,
    },
  );
}
const figures = { runtime: RUNTIME, nodeOptions: NODE_OPTIONS, faults, scale };

const runsText = (runs: ReadonlyArray<{ cpuShare: number; rssMaxMiB: number }>) =>
  runs.map((r) => `${r.rssMaxMiB.toFixed(1)} MiB, ${(r.cpuShare * 100).toFixed(1)}%`).join('; ');
const ageText = (a: ReturnType<typeof ages>) =>
  `p50 ${a.sincePublishedP50Ms} ms, p99 ${a.sincePublishedP99Ms} ms, max ${a.sincePublishedMaxMs} ms after the emulation published (${a.sinceEventTimeP50Ms} / ${a.sinceEventTimeP99Ms} ms after eventTime)`;
const lines: string[] = [];
if (faults)
  lines.push(
    `(a) fault run: ${faults.instanceSamples} instance samples → ${faults.expectedEvents} trunk base events expected, ${faults.eventsOnTopic} on the topic; lost ${faults.lost}, duplicated ${faults.duplicated}, wrong sums ${faults.wrongSums}`,
    `    ${faults.socketDrops} socket drops, ${faults.socketClosing} socket_closing, ${faults.channelExpiries} channel expiry; ${faults.reconnects} reconnects; ${faults.heardByNoSocket} samples heard by no socket, brought back by REST (${faults.gapFills} REST reads; ${faults.gapsFilled} samples REST brought first)`,
    `    event age at produce ${ageText(faults.age)}; exit code ${faults.exitCode}`,
  );
if (scale)
  lines.push(
    `(b) scale: ${scale.instances} instances (${scale.bases} bases, ${scale.channels} channels), ${Math.round(scale.samplesInPerSecond)} samples/s in, ${Math.round(scale.eventsOutPerSecond)} events/s out over ${scale.measureSeconds} s${scale.pinned ? ', bridge pinned to core 0' : ' (taskset missing: not pinned)'}`,
    `    CPU ${(scale.cpuShare * 100).toFixed(1)}% of a core, RSS ≤ ${scale.rssMaxMiB.toFixed(1)} MiB at the worst of ${scale.runs.length} runs (${runsText(scale.runs)}); in that run ${scale.rssStartMiB.toFixed(1)} MiB at the window's start, young generation ${scale.youngMiB.toFixed(0)} MiB, event age at produce ${ageText(scale.age)}, ${scale.buffered} buffered at the end`,
  );
process.stdout.write(`${lines.join('\n')}\n`);
printBars(bars);
if (!values['no-docs'] && faults && scale) writeDocs();
finalLine('bridge', m, figures, bars);
process.exit(bars.every((b) => b.ok) ? 0 : 1);

function writeDocs(): void {
  const f = faults!;
  const sc = scale!;
  const date = new Date().toISOString().slice(0, 10);
  const a = (x: ReturnType<typeof ages>) =>
    `${x.sincePublishedP50Ms} / ${x.sincePublishedP99Ms} / ${x.sincePublishedMaxMs} ms`;
  writeDocSection(new URL('../docs/benchmarks.md', import.meta.url), '## bench:bridge', [
    `Measured ${date} by \`npm run bench:bridge\` on ${m.cpu} (${m.cores} cores), Node ${m.node}. The emulated Genesys Cloud`,
    '(the sandbox, in the bench process) and `trunk-reactor bridge genesys-cloud` (its own process,',
    `${RUNTIME}) on the same machine, with the shared test broker; the bridge with the config's defaults.`,
    '',
    `**(a) Faults.** ${FAULT_LOAD.instances} trunk instances (${FAULT_LOAD.instances / 2} bases × 2 edges), one sample every ${1 / FAULT_LOAD.perSecond!} s each, ${FAULT_LOAD.seconds} s in real time;`,
    `a fault every ${FAULT_GAP_MS / 1000} s, each at another phase of the sample period: ${f.socketDrops} socket drops (no close frame), ${f.socketClosing} \`socket_closing\`,`,
    `${f.channelExpiries} channel expiry (the emulation's clock 25 h on, which expires the token too). Notifications sent while a socket is`,
    "down are lost and REST gives each trunk's latest sample only, so nothing is lost only while a reconnect and its REST",
    `read take less than the ${1 / FAULT_LOAD.perSecond!} s between samples: the cadence is chosen for that. ${f.heardByNoSocket} samples reached no socket of the bridge`,
    'and came back from REST.',
    '',
    '| instance samples | heard by no socket | base events expected | on the topic | lost | duplicated | wrong sums | reconnects | REST reads | age at produce p50 / p99 / max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${f.instanceSamples} | ${f.heardByNoSocket} | ${f.expectedEvents} | ${f.eventsOnTopic} | ${f.lost} | ${f.duplicated} | ${f.wrongSums} | ${f.reconnects} | ${f.gapFills} | ${a(f.age)} |`,
    '',
    "Age at produce: each record's CreateTime (the bridge's clock when it sent it) − the time the emulation published the",
    "sample. Playing maps the first eventTime onto the wall time of `play`, so eventTimes trail the emulation's clock by a",
    `fixed offset (${f.playbackOffsetMs} ms in (a), ${sc.playbackOffsetMs} ms in (b), read from its playhead), taken off; the bridge's own`,
    '`trunk_reactor_bridge_event_age_at_produce_seconds` counts from eventTime and includes it. A sample waits for its',
    "base's other instance (at most `instanceWaitMs`, 2 s), or, when no socket heard it, for the reconnect and its REST read.",
    '',
    `**(b) Scale.** ${sc.instances.toLocaleString('en')} trunk instances (${sc.bases.toLocaleString('en')} bases × 2 edges, ${sc.channels} channels of 1,000 topics), one sample a second each,`,
    `every base at the same instant; the bridge ${sc.pinned ? 'pinned to core 0 (`taskset -c 0`), the emulation to core 1' : 'not pinned (no taskset)'}; measured over ${sc.measureSeconds} s after a`,
    `${WARM_UP_MS / 1000} s warm-up, a timed REST read of every trunk (every 60 s: 50 requests of 100 trunks) included.`,
    `${Math.round(sc.samplesInPerSecond).toLocaleString('en')} samples/s in, ${Math.round(sc.eventsOutPerSecond).toLocaleString('en')} events/s out; age at produce p50 / p99 / max ${a(sc.age)}.`,
    `Run ${sc.runs.length} times, each with a new bridge process (RSS ≤ MiB, CPU): ${runsText(sc.runs)}. In the worst run the RSS was`,
    `${sc.rssStartMiB.toFixed(1)} MiB when the window began, ${sc.rssMaxMiB.toFixed(1)} MiB at most; V8's young generation ${sc.youngMiB.toFixed(0)} MiB.`,
    '',
    `The bridge runs with \`NODE_OPTIONS='${NODE_OPTIONS}'\`, as docker-compose.yml's bridge service runs it`,
    '(docs/bridge-genesys-cloud.md, "Limits"). The live heap is some 27 MiB (heap snapshots at this load, 2.5 minutes',
    "apart, differ by 0.4 MiB: nothing accumulates); the node binary's own pages are about 45 MiB. On V8's defaults",
    '(`--node-options=`) a machine with this much memory gets a young generation of 32 MiB and an old generation',
    'that grows to several times its live data before a full collection: 155.5 MiB in one run on an Intel Xeon (2',
    'cores), 139.6–204 MiB in thirteen runs on an AMD EPYC (2 cores). A heap limit of 256 MiB or less makes V8 grow',
    'the old generation by its smallest factor (1.3×), and 4 MiB semispaces make a young generation of 8 MiB: on the',
    'Xeon, 112.6 MiB in one run with both, 136.3 with the heap limit alone (`--max-old-space-size=96`). Run through',
    'tsx instead (`node --import tsx src/cli/main.ts`), the process holds some 30–50 MiB more.',
    '',
    ...barsTable(bars),
  ]);
}
