/**
 * npm run bench:writer — the version-aware writer against the WFM sandbox over real HTTP,
 * side by side with a reimplementation of the seed's loop (bench/seed-loop.ts), on the
 * same workload and the same faults:
 *
 * - 2,000 adjustments (1,800 shift updates, 200 swaps) on 500 Asia/Singapore agents, all in
 *   the schedule week the publish window publishes, arriving in 10 bursts of 200;
 * - the sandbox's "other integration" changes shifts all along (about 20% of first writes stale);
 * - 2% of answers are 5xx (1.5% before doing anything, 0.5% after the write landed);
 * - the sandbox's rate limit (60 requests/s) is well below what the seed loop sends unthrottled;
 * - the publish window opens when 30% of the adjustments have arrived and closes 8 s later.
 *
 * Columns:
 * - trunk-reactor: the Writer driven directly in this process, its client and clock beside
 *   it; both virtual clocks (sandbox and writer) jump, so the 30-minute window takes 8 s;
 * - trunk-reactor run: the service as deployed — `trunk-reactor run --role writer` in its own
 *   process, on the system clock, reading the adjustments from Kafka (KAFKA_BROKERS, or a broker
 *   this bench starts and stops) and publishing outcomes there. The sandbox gets a one-minute
 *   window, its clock set 8 s before that window closes, so it is open for the same 8 s and
 *   closes by itself; the run's config gives that window as it falls on the system clock;
 * - genesys-cloud: the same Writer, driven directly as in the trunk-reactor column, over the
 *   Genesys Cloud backend (src/wfm/genesys-cloud/) against the emulated Genesys org built from
 *   the same schedule snapshot (same agent and shift ids), with Genesys' own faults
 *   (CONFIG.genesys: version races, the other integration, 5xx, lost answers and
 *   notifications, a reschedule run, a 429 storm) and Genesys' budget of 300 requests a
 *   minute per token, the client's gate at the config default `wfm.requestsPerMinute`;
 * - seed loop, and seed loop without the sandbox rate limit (for reference).
 *
 * Each column gets a fresh sandbox in its own process. Applied, lost, applied twice and
 * half-applied swaps are read from the sandbox's ledger, the same way for every column
 * (for Genesys, per adjustment from the agent schedules each upload changed:
 * bench/support/genesys-ledger.ts). Prints a table, writes docs/benchmarks.md (section
 * "## bench:writer"), and ends with one line of JSON.
 *
 * Flags: --only-service (the trunk-reactor run column alone; no docs), --only genesys-cloud
 * (the genesys-cloud column alone; no docs), --genesys-calm (that column without its faults,
 * the publish window only: the backend's floor; no docs), --no-reference (no unthrottled seed
 * loop), --no-docs. TR_BENCH_DEBUG=1 echoes the run process's logs; TR_BENCH_TRACE=FILE writes
 * the genesys-cloud column's requests, outcomes and the sandbox's update jobs as JSON lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer, Kafka, type KafkaMessage, logLevel, type Message } from 'kafkajs';
import { DateTime } from 'luxon';
import { adjustmentKey } from '../src/app/adjustment-key.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { Config } from '../src/config/schema.js';
import { DLQ_HEADERS } from '../src/kafka/dead-letter.js';
import { ensureTopics, pipelineTopics } from '../src/kafka/topics.js';
import type { Adjustment, ShiftMutation } from '../src/planner/adjustment.js';
import { generateSchedule } from '../src/sandbox/generate.js';
import type { GenesysLedgerEntry } from '../src/sandbox/genesys-cloud/bu-schedules.js';
import type { GActivityCode } from '../src/sandbox/genesys-cloud/model.js';
import { seededRandom } from '../src/sandbox/rng.js';
import { systemClock } from '../src/time/clock.js';
import { parseInstant, toWire } from '../src/time/instant.js';
import { DEFAULT_PUBLISH_WINDOW, openWindowAt } from '../src/time/publish-window.js';
import type { IsoWeekday } from '../src/time/schedule-week.js';
import type { Shift } from '../src/wfm/contract.js';
import { GenesysCloudWfm, type GenesysWriteStats } from '../src/wfm/genesys-cloud/backend.js';
import { WfmHttpClient, type WfmRequestEvent } from '../src/wfm/http-client.js';
import type { ScheduleSnapshot } from '../src/wfm/snapshot.js';
import { SharedBudgetGate } from '../src/writer/budget-gate.js';
import { deriveIdempotencyKey } from '../src/writer/idempotency-key.js';
import { planMutation } from '../src/writer/mutation.js';
import { MemoryOutcomeSink, Outcome } from '../src/writer/outcome.js';
import { RateLimiter } from '../src/writer/rate-limiter.js';
import { Writer } from '../src/writer/writer.js';
import { freePortPair, startLocalBroker, stopLocalBroker } from '../test/kafka/local-broker.js';
import { prefixedTopics } from '../test/pipeline/support/topics.js';
import { sandboxAdmin } from '../test/support/sandbox-admin-http.js';
import { JumpClock } from '../test/writer/support/jump-clock.js';
import { type LedgerEntry, SandboxAdmin } from '../test/writer/support/sandbox-admin.js';
import { SeedLoop, type SeedRecord } from './seed-loop.js';
import { judgeUploads, peakInWindow } from './support/genesys-ledger.js';
import { metricValue, scrape } from './support/prometheus-text.js';
import {
  type Bar,
  finalLine,
  type Machine,
  machine as machineFacts,
  writeDocSection,
} from './support/report.js';
import { startServiceProcess } from './support/service-process.js';

const MIN = 60_000;
/** Sunday 2026-11-29 02:00 SGT: the publish window opens and publishes the week starting that Sunday. */
const WINDOW_OPENS = parseInstant('2026-11-29T02:00:00+08:00');

const CONFIG = {
  schedule: { agents: 500, teams: 10, zone: 'Asia/Singapore', weekStart: '2026-11-29', days: 7, seed: 42 },
  updates: 1_800,
  swaps: 200,
  bursts: 10,
  burstEveryMs: 5_000,
  /** the sandbox's budget per client */
  server: { rateLimitPerMinute: 3_600, rateLimitBurst: 60 },
  /** trunk-reactor's client-side limiter: 90% of the server's */
  client: { perMinute: 3_240, burst: 30 },
  faults: {
    errorRate: 0.015,
    errorAfterWriteRate: 0.005,
    mutatorPerSecond: 70,
    latencyMs: 5,
    latencyJitterMs: 5,
    seed: 7,
  },
  window: { openAfterBurst: 3, openForMs: 8_000, durationMinutes: 30 },
  writer: { concurrency: 16, swapLingerMs: 50, pageSize: 500 },
  /** the trunk-reactor run column */
  service: {
    /** the sandbox's publish window, on its clock: the shortest one the config allows, at WINDOW_OPENS */
    window: { dayOfWeek: 7, time: '02:00', zone: 'Asia/Singapore', durationMinutes: 1 },
    /** time the run process has to become ready: its config's window is chosen before it starts */
    startupAllowanceMs: 20_000,
    /** the environment variable the config's `{ env: … }` token names */
    tokenEnv: 'TR_BENCH_WFM_TOKEN',
    /** adjustments without an outcome after this long without one are given up on (counted lost) */
    silenceMs: 180_000,
  },
  token: 'sandbox-token',
  clientId: 'static-1',
  /**
   * The genesys-cloud column: the same adjustments, bursts and window, Genesys' faults. An
   * upload carries many agents and is all-or-nothing, and every other-integration change bumps
   * the schedule's version too, so the seed's 70 changes/s would fail nearly every upload: the
   * version races come from mutatorBeforeWriteShare instead, and the background rate is one a
   * Genesys business unit of 500 agents plausibly sees.
   */
  genesys: {
    /** the sandbox's default OAuth client */
    clientId: 'trunk-reactor',
    clientSecret: 'sandbox-secret',
    faults: {
      /**
       * share of agent schedules the other integration changes just before our first upload
       * touching them: the seed columns' version races (about 20% of first writes stale),
       * counted per agent schedule, the unit Genesys versions
       */
      mutatorBeforeWriteShare: 0.2,
      /** background changes by others (time off, trades, supervisors' edits): 3 a minute on the BU */
      mutatorPerSecond: 0.05,
      /** per API request, 500 or 503 before anything is done: as in the seed columns */
      errorRate: 0.015,
      /** per `/update` request: the job runs, the answer is a 500; a run has some 50 uploads, so 0.5% would show none */
      errorAfterWriteRate: 0.05,
      /** per job result: applied, but its notification never sent */
      notificationLossRate: 0.02,
      latencyMs: 5,
      latencyJitterMs: 5,
      seed: 7,
    },
    /** 429 storms: the org's budget drops well below the client's 240/min from one burst to another, then back to 300/min */
    storms: [{ fromBurst: 1, toBurst: 3, rateLimitPerMinute: 60, rateLimitBurst: 10 }],
    /** Genesys' own budget per token */
    server: { rateLimitPerMinute: 300, rateLimitBurst: 300 },
    /**
     * The org's publish window, as long as the other columns keep it open (they jump their
     * clocks over the 30 minutes): this column never jumps, since a jump would add 30 minutes to
     * the attempt budget of every change waiting for an upload (200 at a time).
     */
    window: { ...DEFAULT_PUBLISH_WINDOW, durationMinutes: 8_000 / MIN },
    /**
     * an intraday reschedule run Scheduling over the first team's management unit from a burst
     * on, until it has held back a change and lasted minMs (at most maxMs)
     */
    run: { fromBurst: 5, minMs: 10_000, maxMs: 60_000 },
    /** adjustments without an outcome after this long without any, or this long after the first burst, are given up on (counted lost) */
    silenceMs: 180_000,
    maxRunMs: 1_200_000,
    bars: { apiCallsPerApplied: 0.25, requestsPerMinute: 300 },
  },
};

// ---------------------------------------------------------------- sandbox child process

interface Sandbox {
  url: string;
  baseUrl: string;
  admin: SandboxAdmin;
  child: ChildProcess;
}

/** This file again, as `flag` (the sandbox of one flavour); resolves with the URLs it prints. */
async function startChild<T extends { url: string }>(
  flag: '--sandbox-child' | '--genesys-sandbox-child',
): Promise<T & { admin: SandboxAdmin; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, flag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the sandbox process exited with ${code}`)));
  });
  const urls = JSON.parse(line) as T;
  return { ...urls, admin: new SandboxAdmin(urls.url), child };
}

function startSandboxProcess(): Promise<Sandbox> {
  return startChild<{ url: string; baseUrl: string }>('--sandbox-child');
}

async function stopSandboxProcess(sb: { child: ChildProcess }): Promise<void> {
  const exited = new Promise((r) => sb.child.once('exit', r));
  sb.child.kill('SIGTERM');
  await exited;
}

// ---------------------------------------------------------------- workload

function buildWorkload(snapshot: ScheduleSnapshot): Adjustment[] {
  const random = seededRandom(CONFIG.schedule.seed);
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const byAgentDay = new Map<string, Shift>();
  for (const s of snapshot.shifts) byAgentDay.set(`${s.agentId}@${s.id.slice(-8)}`, s);
  const days = [...new Set(snapshot.shifts.map((s) => s.id.slice(-8)))].sort();
  const eventTime = (i: number) => toWire(WINDOW_OPENS - 40 * MIN + i * 1_000);
  const reason = (ruleId: string, i: number) => ({
    ruleId,
    scope: { kind: 'group', value: 'sg-byoc' },
    metric: 'utilization',
    aggregate: 'avg',
    value: 0.93,
    threshold: 0.85,
    window: '5m',
    eventTime: eventTime(i),
    text: `${ruleId}: avg utilization 0.93 > 0.85 over 5m on group sg-byoc`,
  });

  const out: Adjustment[] = [];
  const used = new Set<string>();
  // Swaps between agents 2k and 2k+1 on one day: their shifts start 15 minutes apart, so they overlap —
  // two sequential PATCHes would make one agent hold both for a moment.
  const combos = shuffle(
    Array.from({ length: (CONFIG.schedule.agents / 2) * days.length }, (_, i) => i),
  ).slice(0, CONFIG.swaps);
  for (const c of combos) {
    const k = Math.floor(c / days.length);
    const day = days[c % days.length]!;
    const a = byAgentDay.get(`agent-${10_400 + 2 * k}@${day}`)!;
    const b = byAgentDay.get(`agent-${10_400 + 2 * k + 1}@${day}`)!;
    used.add(a.id).add(b.id);
    const i = out.length;
    out.push({
      kind: 'swap',
      key: deriveIdempotencyKey('apac-swap', eventTime(i), `${a.id}+${b.id}`, 'swap'),
      ruleId: 'apac-swap',
      action: 'swap',
      reason: reason('apac-swap', i),
      createdAt: eventTime(i),
      teamId: a.teamId,
      a: { shiftId: a.id, agentId: a.agentId },
      b: { shiftId: b.id, agentId: b.agentId },
    });
  }
  const candidates = shuffle(snapshot.shifts.filter((s) => !used.has(s.id))).slice(0, CONFIG.updates);
  for (const s of candidates) {
    const r = random();
    const minutes = 15 * (1 + Math.floor(random() * 4));
    let mutation: ShiftMutation;
    let action: Adjustment['action'];
    if (r < 0.45) {
      mutation = { kind: 'set-end', end: toWire(parseInstant(s.end) + minutes * MIN) };
      action = 'extend';
    } else if (r < 0.65) {
      mutation = { kind: 'set-start', start: toWire(parseInstant(s.start) - minutes * MIN) };
      action = 'pull-forward';
    } else if (r < 0.85) {
      mutation = { kind: 'set-end', end: toWire(parseInstant(s.end) - minutes * MIN) };
      action = 'shorten';
    } else {
      const block =
        s.activities.find((a) => a.type === 'training') ?? s.activities.find((a) => a.type === 'break')!;
      mutation = { kind: 'activities-to-on-queue', from: block.start, to: block.end, types: [block.type] };
      action = 'to-on-queue';
    }
    const i = out.length;
    const ruleId = action === 'shorten' ? 'apac-quiet-vto' : 'apac-surge';
    out.push({
      kind: 'update',
      key: deriveIdempotencyKey(ruleId, eventTime(i), s.id, action),
      ruleId,
      action,
      reason: reason(ruleId, i),
      createdAt: eventTime(i),
      shiftId: s.id,
      agentId: s.agentId,
      teamId: s.teamId,
      mutation,
    });
  }
  return shuffle(out);
}

// ---------------------------------------------------------------- one run, either column

interface Done {
  adjustment: Adjustment;
  arrivedAt: number;
  finishedAt: number;
  /** processing overlapped the open publish window (or was deferred by it) */
  touchedWindow: boolean;
  httpCalls: number;
  firstAttemptStale: boolean;
  reported: boolean;
  /** trunk-reactor: the outcome status and reason code */
  status?: string;
}

interface RunResult {
  done: Done[];
  ledger: LedgerEntry[];
  httpCalls: number;
  overheadCalls: number;
  rateLimited: number;
  runSeconds: number;
}

/**
 * Feeds the bursts, opens and closes the publish window, waits for every adjustment.
 * `afterBurst` runs once each burst is submitted (before the window opens after it).
 */
async function drive(
  sb: { admin: Pick<SandboxAdmin, 'faults'> },
  adjustments: Adjustment[],
  submit: (a: Adjustment) => Promise<Omit<Done, 'adjustment' | 'arrivedAt'>>,
  clocks: { open(): Promise<void>; close(): Promise<void>; afterBurst?(burst: number): Promise<void> },
  faults: { on: Record<string, number>; off: Record<string, number> } = {
    on: CONFIG.faults,
    off: { mutatorPerSecond: 0, errorRate: 0, errorAfterWriteRate: 0 },
  },
): Promise<{ done: Done[]; window: { open: number; close: number }; runSeconds: number }> {
  await sb.admin.faults(faults.on);
  const started = performance.now();
  const window = { open: Number.POSITIVE_INFINITY, close: Number.POSITIVE_INFINITY };
  const pending: Promise<Done>[] = [];
  const perBurst = Math.ceil(adjustments.length / CONFIG.bursts);
  for (let b = 0; b < CONFIG.bursts; b++) {
    const due = started + b * CONFIG.burstEveryMs;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    for (const a of adjustments.slice(b * perBurst, (b + 1) * perBurst)) {
      const arrivedAt = performance.now();
      pending.push(submit(a).then((d) => ({ ...d, adjustment: a, arrivedAt })));
    }
    await clocks.afterBurst?.(b);
    if (b === CONFIG.window.openAfterBurst) {
      await clocks.open();
      window.open = performance.now();
      setTimeout(() => {
        void clocks.close().then(() => {
          window.close = performance.now();
        });
      }, CONFIG.window.openForMs);
    }
  }
  const done = await Promise.all(pending);
  while (window.close === Number.POSITIVE_INFINITY) await new Promise((r) => setTimeout(r, 50));
  const runSeconds = (performance.now() - started) / 1000;
  await sb.admin.faults(faults.off);
  return { done, window, runSeconds };
}

async function runTrunkReactor(adjustments: Adjustment[]): Promise<RunResult> {
  const sb = await startSandboxProcess();
  try {
    const clock = new JumpClock((await sb.admin.clock()).nowMs);
    const events: WfmRequestEvent[] = [];
    const client = new WfmHttpClient({
      baseUrl: sb.baseUrl,
      token: CONFIG.token,
      clock,
      pageSize: CONFIG.writer.pageSize,
      gate: new RateLimiter(CONFIG.client, clock),
      onRequest: (e) => events.push(e),
    });
    const sink = new MemoryOutcomeSink();
    const writer = new Writer({
      adapter: client,
      clock,
      sink,
      concurrency: CONFIG.writer.concurrency,
      swapBatch: { lingerMs: CONFIG.writer.swapLingerMs },
      businessUnit: { timeZone: CONFIG.schedule.zone },
    });
    await writer.warm({});
    const warmCalls = events.length;
    const { done, runSeconds } = await drive(
      sb,
      adjustments,
      async (a) => {
        const o: Outcome = await writer.submit(a);
        return {
          finishedAt: performance.now(),
          touchedWindow: o.deferrals > 0,
          httpCalls: o.httpCalls,
          firstAttemptStale: o.firstAttemptStale,
          reported: o.status === 'rejected' || o.status === 'dead-lettered',
          status: statusOf(o),
        };
      },
      {
        open: async () => {
          const at = WINDOW_OPENS + 1_000;
          await sb.admin.clock({ now: toWire(at) });
          clock.advance(at - clock.now());
        },
        close: async () => {
          await sb.admin.clock({ advanceMs: CONFIG.window.durationMinutes * MIN });
          clock.advance(CONFIG.window.durationMinutes * MIN);
        },
      },
    );
    await client.close();
    return {
      done,
      ledger: await sb.admin.ledger(),
      httpCalls: events.length,
      overheadCalls: warmCalls,
      rateLimited: events.filter((e) => e.status === 429).length,
      runSeconds,
    };
  } finally {
    await stopSandboxProcess(sb);
  }
}

// ---------------------------------------------------------------- over Genesys Cloud

/** What the genesys-cloud column measures beside the columns' common figures. */
interface GenesysFigures {
  /** false: run without the faults (the publish window only), --genesys-calm */
  faults: boolean;
  /** requests by host: the API host is what Genesys' 300 a minute per token counts */
  requests: { api: number; storage: number; login: number };
  /** API host requests before the first adjustment: org discovery, notification channel, the warm-up read */
  warmUpApiCalls: number;
  apiCallsPerApplied: number;
  /** leaving out the window's stretch of the run: see genesysOutsideWindow */
  apiCallsPerAppliedOutsideWindow: number;
  /** the most API host requests in any 60 s, sliding */
  peakApiRequestsPerMinute: number;
  /** 429s the client received (every one retried after Retry-After) */
  rateLimited429: number;
  /** API host requests by route (`host METHOD route`, ids as {id}) */
  byRoute: Record<string, number>;
  uploads: Omit<GenesysWriteStats, 'agentsPerUpload'> & { agentsP50: number; agentsMax: number };
  /** `update` ledger entries of this client: one per agent schedule an upload changed */
  updateEntries: number;
  /** adjustments deferred while the publish window was open, and deferred at other times (the reschedule run) */
  deferred: { byWindow: number; other: number };
  /** adjustments the ledger shows applied whose outcome was rejected or dead-lettered */
  appliedButReported: number;
  /** the reschedule run's management unit and how long it was in progress */
  rescheduleRun: { unit: string; seconds: number } | undefined;
  sandbox: { answers: Record<string, number>; notificationsLost: number };
  /** the sandbox's update jobs for this client: Complete, or Error by its reason (which Genesys itself does not tell) */
  updateJobs: Record<string, number>;
}

interface GenesysRun extends RunResult {
  verdicts: Map<string, Verdict>;
  figures: GenesysFigures;
}

/** The Genesys sandbox's /_sandbox routes that SandboxAdmin lacks (POST, and answers of its own shape). */
function genesysAdmin<T>(
  url: string,
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  return sandboxAdmin<T>(url, method, path, body);
}

interface GenesysStateAnswer {
  state: {
    schedules: Array<{ id: string; weekDate: string; published: boolean }>;
    activityCodes: GActivityCode[];
  };
  ledger: { entries: GenesysLedgerEntry[] };
}

/**
 * The same workload through the Writer over GenesysCloudWfm, in this process, against the
 * emulated Genesys org in its own. The writer, the backend and the sandbox share one clock,
 * set once before the first burst so that the 8-second window opens and closes by itself (no
 * jump). The request gate is the service's (SharedBudgetGate at `wfm.requestsPerMinute`) on
 * the system clock: Genesys' limit, and the sandbox's, run on real time.
 */
async function runGenesysCloud(
  adjustments: Adjustment[],
  snapshot: ScheduleSnapshot,
  options: { faults: boolean },
): Promise<GenesysRun> {
  const g = CONFIG.genesys;
  const sb = await startChild<GenesysSandboxUrls>('--genesys-sandbox-child');
  const watchdog: { timer?: NodeJS.Timeout } = {};
  try {
    const initial = await genesysAdmin<GenesysStateAnswer>(sb.url, 'GET', '/state');
    const schedule = initial.state.schedules.find(
      (s) => s.published && s.weekDate === CONFIG.schedule.weekStart,
    );
    if (!schedule)
      throw new Error(`the Genesys sandbox has no published schedule for ${CONFIG.schedule.weekStart}`);

    const clock = new JumpClock((await sb.admin.clock()).nowMs);
    const apiAt: number[] = [];
    const byRoute: Record<string, number> = {};
    let rateLimited = 0;
    const trace = process.env.TR_BENCH_TRACE ? new Trace(process.env.TR_BENCH_TRACE) : undefined;
    const backend: GenesysCloudWfm = new GenesysCloudWfm({
      apiBaseUrl: sb.apiBaseUrl,
      loginBaseUrl: sb.loginUrl,
      businessUnitId: snapshot.businessUnit.id,
      clientId: g.clientId,
      clientSecret: g.clientSecret,
      clock,
      gate: new SharedBudgetGate(DEFAULTS.wfm.requestsPerMinute, systemClock),
      publishWindow: g.window,
      onRequest: (e) => {
        trace?.request(e, backend.stats);
        if (e.host !== 'api') return;
        apiAt.push(performance.now());
        const route = `${e.method} ${e.route}`;
        byRoute[route] = (byRoute[route] ?? 0) + 1;
        if (e.status === 429) rateLimited++;
      },
    });
    if (trace) backend.observeLockEnds((week) => trace.lockEnded(week));
    /** when each adjustment was first deferred */
    const deferredAt = new Map<string, number>();
    const writer = new Writer({
      adapter: backend,
      clock,
      sink: {
        record: (o) => {
          trace?.outcome(o);
          if (o.status === 'deferred' && !deferredAt.has(o.key)) deferredAt.set(o.key, performance.now());
        },
      },
      concurrency: DEFAULTS.wfm.maxConcurrency['genesys-cloud'],
      swapBatch: { lingerMs: CONFIG.writer.swapLingerMs },
      businessUnit: { timeZone: CONFIG.schedule.zone },
      publishWindow: g.window,
    });
    await writer.warm({});
    const warmUpApiCalls = backend.http.calls.api;

    // The clocks are set once, before the first adjustment: the window opens by itself just
    // after the burst it opens after, and closes by itself 8 s later.
    const opensIn = CONFIG.window.openAfterBurst * CONFIG.burstEveryMs + 200;
    await sb.admin.clock({ now: toWire(WINDOW_OPENS - opensIn) });
    clock.advance(WINDOW_OPENS - opensIn - clock.now());
    const closes = WINDOW_OPENS + CONFIG.window.openForMs;

    // Adjustments still without an outcome when none has come for silenceMs, or when the run
    // has taken maxRunMs, are given up on: no terminal outcome, counted lost.
    const startedAt = performance.now();
    let lastOutcomeAt = startedAt;
    let giveUp: (why: string) => void = () => {};
    const gaveUp = new Promise<string>((resolve) => {
      giveUp = resolve;
    });
    watchdog.timer = setInterval(() => {
      const now = performance.now();
      if (writer.inProgress === 0) return;
      if (now - lastOutcomeAt > g.silenceMs) giveUp(`none for ${g.silenceMs / 1000} s`);
      if (now - startedAt > g.maxRunMs) giveUp(`none within ${g.maxRunMs / 60_000} minutes`);
    }, 1_000);

    const run: RescheduleRun = new RescheduleRun(
      sb.url,
      schedule.id,
      `mu-${snapshot.teams[0]!.id}`,
      (since) => [...deferredAt.values()].some((t) => t >= since),
    );
    const { done, window, runSeconds } = await drive(
      sb,
      adjustments,
      async (a) => {
        const o = await Promise.race([writer.submit(a), gaveUp]);
        lastOutcomeAt = performance.now();
        if (typeof o === 'string')
          return {
            finishedAt: performance.now(),
            touchedWindow: false,
            httpCalls: 0,
            firstAttemptStale: false,
            reported: false,
            status: `no outcome (${o})`,
          };
        return {
          finishedAt: performance.now(),
          touchedWindow: o.deferrals > 0,
          // calls to the port, one per change: an upload carries many, so requests are counted apart
          httpCalls: o.httpCalls,
          firstAttemptStale: o.firstAttemptStale,
          reported: o.status === 'rejected' || o.status === 'dead-lettered',
          status: statusOf(o),
        };
      },
      {
        open: () => clock.sleep(Math.max(0, WINDOW_OPENS - clock.now())),
        close: () => clock.sleep(Math.max(0, closes - clock.now())),
        afterBurst: async (b) => {
          if (!options.faults) return;
          for (const storm of g.storms) {
            if (b === storm.fromBurst)
              await sb.admin.behaviour({
                rateLimitPerMinute: storm.rateLimitPerMinute,
                rateLimitBurst: storm.rateLimitBurst,
              });
            if (b === storm.toBurst) await sb.admin.behaviour(g.server);
          }
          if (b === g.run.fromBurst) await run.start();
        },
      },
      {
        on: options.faults ? g.faults : { seed: g.faults.seed },
        off: {
          mutatorPerSecond: 0,
          mutatorBeforeWriteShare: 0,
          errorRate: 0,
          errorAfterWriteRate: 0,
          notificationLossRate: 0,
        },
      },
    );
    clearInterval(watchdog.timer);
    await run.ended();
    await writer.close();
    await backend.close();

    const final = await genesysAdmin<GenesysStateAnswer>(sb.url, 'GET', '/state');
    const stats = await genesysAdmin<{ byStatus: Record<string, number>; notificationsLost: number }>(
      sb.url,
      'GET',
      '/stats',
    );
    const operations = await genesysAdmin<{ entities: UpdateJob[] }>(sb.url, 'GET', '/operations');
    trace?.write(operations.entities, window);
    const verdicts = judgeUploads(adjustments, final.ledger.entries, {
      clientId: g.clientId,
      codes: final.state.activityCodes,
      shifts: new Map(snapshot.shifts.map((s) => [s.id, s])),
    });
    const applied = adjustments.filter((a) => verdicts.get(a.key)?.applied).length;
    const byWindow = [...deferredAt.values()].filter((t) => t >= window.open && t <= window.close).length;
    const agents = [...backend.stats.agentsPerUpload].sort((x, y) => x - y);
    const { agentsPerUpload: _, ...uploads } = backend.stats;
    const figures: GenesysFigures = {
      faults: options.faults,
      requests: { ...backend.http.calls },
      warmUpApiCalls,
      apiCallsPerApplied: round3(backend.http.calls.api / Math.max(1, applied)),
      apiCallsPerAppliedOutsideWindow: round3(
        genesysOutsideWindow(done, verdicts, apiAt, window, deferredAt),
      ),
      peakApiRequestsPerMinute: peakInWindow(apiAt),
      rateLimited429: rateLimited,
      byRoute: Object.fromEntries(Object.entries(byRoute).sort((x, y) => y[1] - x[1])),
      uploads: { ...uploads, agentsP50: quantile(agents, 0.5), agentsMax: agents.at(-1) ?? 0 },
      updateEntries: final.ledger.entries.filter((e) => e.kind === 'update' && e.clientId === g.clientId)
        .length,
      deferred: { byWindow, other: deferredAt.size - byWindow },
      appliedButReported: done.filter((d) => d.reported && verdicts.get(d.adjustment.key)?.applied).length,
      rescheduleRun: run.span(),
      sandbox: { answers: stats.byStatus, notificationsLost: stats.notificationsLost },
      updateJobs: jobsByReason(operations.entities, g.clientId),
    };
    return {
      done,
      ledger: [],
      httpCalls: backend.http.calls.api,
      overheadCalls: warmUpApiCalls,
      rateLimited,
      runSeconds,
      verdicts,
      figures,
    };
  } finally {
    clearInterval(watchdog.timer);
    await stopSandboxProcess(sb);
  }
}

interface GenesysSandboxUrls {
  url: string;
  apiBaseUrl: string;
  loginUrl: string;
}

/** An update job as /_sandbox/operations lists it. */
interface UpdateJob {
  kind: string;
  clientId: string;
  status: string;
  reason?: string;
}

/** The client's update jobs: Complete, or Error by its reason with ids, versions and times left out. */
function jobsByReason(jobs: readonly UpdateJob[], clientId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const job of jobs) {
    if (job.kind !== 'update' || job.clientId !== clientId) continue;
    const why = job.reason
      ? `Error: ${job.reason.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|agent-\d+|mu-[\w-]+|\d[\d:.TZ-]*/g, '…')}`
      : job.status;
    out[why] = (out[why] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
}

/**
 * The intraday reschedule run: Scheduling over one management unit from `start()`, Complete
 * once it has been in progress at least CONFIG.genesys.run.minMs and held back a change (a
 * deferral since it started), or after maxMs: it must overlap writes to be a fault at all.
 */
class RescheduleRun {
  startedAt: number | undefined;
  #endedAt: number | undefined;
  #ended: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly scheduleId: string,
    private readonly unit: string,
    /** whether a change was deferred since then (performance.now()) */
    private readonly heldBack: (since: number) => boolean,
  ) {}

  async start(): Promise<void> {
    const { minMs, maxMs } = CONFIG.genesys.run;
    const run = await genesysAdmin<{ id: string }>(this.url, 'POST', '/scheduling-runs', {
      scheduleId: this.scheduleId,
      managementUnitIds: [this.unit],
      state: 'Scheduling',
    });
    const startedAt = performance.now();
    this.startedAt = startedAt;
    this.#ended = (async () => {
      for (;;) {
        const age = performance.now() - startedAt;
        if (age >= maxMs || (age >= minMs && this.heldBack(startedAt))) break;
        await sleep(250);
      }
      await genesysAdmin(this.url, 'PUT', `/scheduling-runs/${run.id}`, { state: 'Complete' });
      this.#endedAt = performance.now();
    })();
  }

  ended(): Promise<void> {
    return this.#ended;
  }

  /** its unit and how long it was in progress */
  span(): { unit: string; seconds: number } | undefined {
    if (this.startedAt === undefined || this.#endedAt === undefined) return undefined;
    return { unit: this.unit, seconds: round1((this.#endedAt - this.startedAt) / 1000) };
  }
}

/** TR_BENCH_TRACE=FILE: the genesys-cloud column's requests, outcomes and the sandbox's update jobs, as JSON lines. */
class Trace {
  readonly #lines: unknown[] = [];
  readonly #t0 = performance.now();

  constructor(private readonly file: string) {}

  request(
    e: { host: string; method: string; route: string; status: number | undefined },
    s: GenesysWriteStats,
  ): void {
    this.#lines.push({
      t: Math.round(performance.now() - this.#t0),
      request: `${e.host} ${e.method} ${e.route}`,
      status: e.status,
      uploads: s.uploads,
      requeued: s.changesRequeued,
      bisected: s.changesBisected,
    });
  }

  outcome(o: Outcome): void {
    this.#lines.push({
      t: Math.round(performance.now() - this.#t0),
      key: o.key,
      status: o.status,
      reason: o.reason,
      attempts: o.attempts,
      ...(o.deferredUntil ? { deferredUntil: o.deferredUntil } : {}),
    });
  }

  /** a lock the backend heard end early (a reschedule run announced Complete) */
  lockEnded(week: string): void {
    this.#lines.push({ t: Math.round(performance.now() - this.#t0), lockEnded: week });
  }

  write(jobs: readonly unknown[], window: { open: number; close: number }): void {
    const at = (t: number) => Math.round(t - this.#t0);
    const lines = [...this.#lines, ...jobs, { window: { open: at(window.open), close: at(window.close) } }];
    writeFileSync(this.file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * API calls per applied adjustment outside the publish window, for uploads: a request carries
 * the changes of many adjustments, so requests are told apart by time instead of by
 * adjustment. The window's stretch runs from its opening until the last adjustment it
 * deferred has its outcome (the week's re-read and the uploads catching up included); the
 * requests sent in it, the adjustments it deferred and those finished in it are left out.
 */
function genesysOutsideWindow(
  done: readonly Done[],
  verdicts: ReadonlyMap<string, Verdict>,
  apiAt: readonly number[],
  window: { open: number; close: number },
  deferredAt: ReadonlyMap<string, number>,
): number {
  const byWindow = (d: Done) => {
    const t = deferredAt.get(d.adjustment.key);
    return t !== undefined && t >= window.open && t <= window.close;
  };
  const end = Math.max(window.close, ...done.filter(byWindow).map((d) => d.finishedAt));
  const inside = (t: number) => t >= window.open && t <= end;
  const calls = apiAt.filter((t) => !inside(t)).length;
  const applied = done.filter(
    (d) => verdicts.get(d.adjustment.key)?.applied && !byWindow(d) && !inside(d.finishedAt),
  ).length;
  return calls / Math.max(1, applied);
}

// ---------------------------------------------------------------- through the service

/**
 * What must not outlive the bench, undone in reverse order at the end of the service column
 * or on Ctrl-C: the run process, the Kafka clients, the topics, the sandbox, a broker it started.
 */
const undo: Array<() => unknown> = [];

async function undoAll(): Promise<void> {
  for (const f of undo.splice(0).reverse()) {
    await Promise.resolve()
      .then(f)
      .catch((err: Error) => process.stderr.write(`  cleaning up: ${err.message}\n`));
  }
}

interface ServiceRun extends RunResult {
  calls: {
    /** every request the sandbox received (the run process is its only WFM client) */
    total: number;
    /** the sum of the outcomes' httpCalls */
    attributed: number;
    /** total − attributed: team lists, week re-reads after the window, anything no outcome counts */
    unattributed: number;
    /** from the run process's trunk_reactor_wfm_calls_total */
    byRoute: Record<string, number>;
  };
  /** outcome records beyond the first for an adjustment (redelivered after a failed commit) */
  extraOutcomeRecords: number;
  exitCode: number | null;
}

/**
 * The same workload through the service as deployed: `trunk-reactor run --role writer` in
 * its own process reads the adjustments from Kafka and publishes an outcome for each; this
 * process produces them in the same bursts and reads the outcomes.
 */
async function runService(adjustments: Adjustment[]): Promise<ServiceRun> {
  const closes = WINDOW_OPENS + CONFIG.service.window.durationMinutes * MIN;
  if (Date.now() < closes)
    throw new Error(
      `the system clock (${new Date().toISOString()}) is before the sandbox's publish window closes (${toWire(closes)}): the run process would read a bulk swap's lockedUntil as a lock still to come; the trunk-reactor run column needs a system clock past it`,
    );
  try {
    const brokers = await kafkaBrokers();
    const sb = await startSandboxProcess();
    undo.push(() => stopSandboxProcess(sb));
    await sandboxPublishWindow(sb, CONFIG.service.window);

    // The run process reads the system clock; the sandbox's runs behind it, so the instants the
    // sandbox names (a bulk swap's lockedUntil) are past to the process.
    // Its config therefore gives the window as it falls on the system clock: the minute at whose
    // end the sandbox's window closes, the bursts timed so that it opens after the same burst
    // as in the other columns and stays open as long.
    const toClose = CONFIG.window.openAfterBurst * CONFIG.burstEveryMs + CONFIG.window.openForMs;
    const closesReal = Math.ceil((Date.now() + CONFIG.service.startupAllowanceMs + toClose) / MIN) * MIN;
    const window = windowClosingAt(closesReal, CONFIG.service.window);

    const id = `bw${randomUUID().slice(0, 6)}`;
    const config = Config.parse({
      kafka: { brokers, clientId: `bench-${id}`, groupId: `bench-${id}`, topics: prefixedTopics(id) },
      wfm: {
        baseUrl: sb.baseUrl,
        allowInsecureHttp: true,
        auth: { kind: 'token', token: { env: CONFIG.service.tokenEnv } },
        requestsPerMinute: CONFIG.client.perMinute,
        maxConcurrency: CONFIG.writer.concurrency,
      },
      writer: {},
      publishWindow: window,
      admin: { host: '127.0.0.1', port: 0 },
      log: { level: 'info', pretty: false },
    });
    const topics = config.kafka.topics;
    const kafka = new Kafka({ clientId: `bench-${id}-driver`, brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    undo.push(() => admin.disconnect());
    await ensureTopics(admin, pipelineTopics(config.kafka));
    undo.push(async () => {
      await admin.deleteTopics({ topics: Object.values(topics), timeout: 10_000 });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      await admin.deleteGroups(groups.filter((g) => g.startsWith(`bench-${id}`)));
    });

    const reader = new OutcomeReader(kafka, `bench-${id}-outcome-reader`, topics);
    await reader.start();
    undo.push(() => reader.stop());
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    undo.push(() => producer.disconnect());

    const spawnedAt = performance.now();
    const service = await startServiceProcess({
      config,
      role: 'writer',
      env: { [CONFIG.service.tokenEnv]: CONFIG.token },
      stages: ['writer'],
      instanceId: id,
      echo: Boolean(process.env.TR_BENCH_DEBUG),
    });
    undo.push(() => service.stop());
    void service.exited.then((code) => reader.giveUp(`the run process exited with code ${code}`));
    const startAt = closesReal - toClose;
    const readySeconds = ((performance.now() - spawnedAt) / 1000).toFixed(1);
    if (Date.now() > startAt)
      throw new Error(
        `trunk-reactor run took ${readySeconds} s to become ready, longer than CONFIG.service.startupAllowanceMs (${CONFIG.service.startupAllowanceMs} ms) allows: the publish window its config gives would open before the bursts reach it; raise startupAllowanceMs`,
      );
    process.stdout.write(
      `  ready after ${readySeconds} s; the window opens at ${new Date(closesReal - CONFIG.window.openForMs).toISOString()} (config: day ${window.dayOfWeek} ${window.time} ${window.zone}); the bursts start in ${((startAt - Date.now()) / 1000).toFixed(1)} s\n`,
    );
    await sleep(startAt - Date.now());
    let lastSent = performance.now();
    const watchdog = setInterval(() => {
      const quietMs = performance.now() - Math.max(reader.lastAt, lastSent);
      if (reader.pending > 0 && quietMs > CONFIG.service.silenceMs)
        reader.giveUp(`nothing on ${topics.outcomes} for ${CONFIG.service.silenceMs / 1000} s`);
    }, 1_000);
    undo.push(() => clearInterval(watchdog));

    // the adjustments drive() submits in one go (a burst) leave in one produce request
    let batch: { messages: Message[]; sent: Promise<void> } | undefined;
    const produce = (a: Adjustment): Promise<void> => {
      if (!batch) {
        const b: { messages: Message[]; sent: Promise<void> } = { messages: [], sent: Promise.resolve() };
        b.sent = new Promise<void>((r) => setImmediate(r)).then(async () => {
          batch = undefined;
          await producer.send({ topic: topics.adjustments, messages: b.messages });
          lastSent = performance.now();
        });
        batch = b;
      }
      // keyed and encoded as the planning stage produces them
      batch.messages.push({ key: adjustmentKey(a), value: JSON.stringify(a) });
      return batch.sent;
    };

    const { done, runSeconds } = await drive(
      sb,
      adjustments,
      async (a) => {
        await produce(a);
        const r = await reader.outcome(a.key);
        const o = r.outcome;
        if (o)
          return {
            finishedAt: r.at,
            touchedWindow: o.deferrals > 0,
            httpCalls: o.httpCalls,
            firstAttemptStale: o.firstAttemptStale,
            reported: o.status === 'rejected' || o.status === 'dead-lettered',
            status: statusOf(o),
          };
        return {
          finishedAt: r.at,
          touchedWindow: false,
          httpCalls: 0,
          firstAttemptStale: false,
          reported: r.deadLetter !== undefined,
          status: r.deadLetter ? `dead-lettered: ${r.deadLetter}` : `no outcome (${r.missing})`,
        };
      },
      {
        // The sandbox's clock cannot jump past the window (the process would not follow): it is
        // set to close the window when the system clock reaches the close of the config's window.
        open: async () => {
          await sb.admin.clock({ now: toWire(closes - (closesReal - Date.now())) });
        },
        close: async () => {
          for (;;) {
            const { nowMs } = await sb.admin.clock();
            if (nowMs >= closes) return;
            await sleep(closes - nowMs + 20);
          }
        },
      },
    );
    const stats = await sb.admin.stats();
    const byRoute = callsByRoute(await scrape(`${service.adminUrl}/metrics`).catch(() => ''));
    const exitCode = await service.stop();
    const ledger = await sb.admin.ledger();
    const unattributed = stats.requests - reader.attributedCalls;
    return {
      done,
      ledger,
      httpCalls: stats.requests,
      overheadCalls: Math.max(0, unattributed),
      rateLimited: stats.byStatus['429'] ?? 0,
      runSeconds,
      calls: {
        total: stats.requests,
        attributed: Math.round(reader.attributedCalls * 100) / 100,
        unattributed: Math.round(unattributed * 100) / 100,
        byRoute,
      },
      extraOutcomeRecords: reader.extraRecords,
      exitCode,
    };
  } finally {
    await undoAll();
  }
}

/**
 * The weekly window, in `like`'s zone and duration, whose occurrence closes at `closesAt`
 * (a minute boundary).
 */
function windowClosingAt(closesAt: number, like: typeof CONFIG.service.window): typeof CONFIG.service.window {
  const opens = DateTime.fromMillis(closesAt - like.durationMinutes * MIN, { zone: like.zone });
  const window = { ...like, dayOfWeek: opens.weekday, time: opens.toFormat('HH:mm') };
  const occurrence = openWindowAt(closesAt - 1, { ...window, dayOfWeek: window.dayOfWeek as IsoWeekday });
  if (occurrence?.closesAt !== closesAt)
    throw new Error(
      `no ${like.zone} window of ${like.durationMinutes} min closes at ${new Date(closesAt).toISOString()}`,
    );
  return window;
}

/** KAFKA_BROKERS, or a broker started here on free ports (stopped and purged at the end). */
async function kafkaBrokers(): Promise<string[]> {
  const given = process.env.KAFKA_BROKERS;
  if (given) return given.split(',');
  // the test broker caps the JIT at C1 to start fast; a benchmark wants its steady-state speed
  process.env.KAFKA_JVM_PERFORMANCE_OPTS ??= '-XX:+UseSerialGC';
  const port = await freePortPair();
  process.stdout.write(`  starting a Kafka broker on 127.0.0.1:${port} …\n`);
  undo.push(() => stopLocalBroker(port, { purge: true }));
  return [(await startLocalBroker(port)).brokers];
}

async function sandboxPublishWindow(sb: Sandbox, window: typeof CONFIG.service.window): Promise<void> {
  const res = await fetch(`${sb.url}/_sandbox/publish-window`, {
    method: 'PUT',
    body: JSON.stringify(window),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok)
    throw new Error(`sandbox admin PUT /publish-window answered ${res.status}: ${await res.text()}`);
}

/** trunk_reactor_wfm_calls_total by route, from the admin server's /metrics. */
function callsByRoute(metrics: string): Record<string, number> {
  const name = 'trunk_reactor_wfm_calls_total';
  const routes = new Set<string>();
  for (const line of metrics.split('\n'))
    if (line.startsWith(`${name}{`)) routes.add(/route="([^"]*)"/.exec(line)?.[1] ?? '');
  const out: Record<string, number> = {};
  for (const route of [...routes].sort()) {
    const lines = metrics
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) && l.includes(`route="${route}"`));
    out[route] = metricValue(lines.join('\n'), name) ?? 0;
  }
  return out;
}

interface Received {
  /** performance.now() when it was read */
  at: number;
  outcome?: Outcome;
  /** the writer stage could not read the adjustment: a dead letter with this code, no outcome */
  deadLetter?: string;
  /** why none came */
  missing?: string;
}

/**
 * Reads the outcomes topic from the beginning (read_committed: the writer stage publishes an
 * outcome in the transaction that commits its adjustment's offset) and hands each adjustment
 * its first terminal record; `deferred` records never reach the topic. The dead-letter topic
 * is read for the one refusal that comes without an outcome: a record that is not an adjustment.
 */
class OutcomeReader {
  readonly #consumer: Consumer;
  readonly #received = new Map<string, Received>();
  readonly #waiting = new Map<string, (r: Received) => void>();
  #gaveUp: string | undefined;
  /** the sum of httpCalls over each adjustment's first outcome record */
  attributedCalls = 0;
  /** outcome records beyond the first for an adjustment */
  extraRecords = 0;
  /** performance.now() of the last record read */
  lastAt = performance.now();

  constructor(
    kafka: Kafka,
    groupId: string,
    private readonly topics: { outcomes: string; deadLetter: string },
  ) {
    this.#consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  }

  async start(): Promise<void> {
    const c = this.#consumer;
    await c.connect();
    await c.subscribe({ topics: [this.topics.outcomes, this.topics.deadLetter], fromBeginning: true });
    const joined = new Promise((r) => c.on(c.events.GROUP_JOIN, r));
    await c.run({ eachMessage: async ({ topic, message }) => this.#read(topic, message) });
    await joined;
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }

  get pending(): number {
    return this.#waiting.size;
  }

  outcome(key: string): Promise<Received> {
    const known = this.#received.get(key);
    if (known) return Promise.resolve(known);
    if (this.#gaveUp !== undefined) return Promise.resolve({ at: performance.now(), missing: this.#gaveUp });
    return new Promise((r) => this.#waiting.set(key, r));
  }

  /** Ends the wait of every adjustment without an outcome, now and from now on. */
  giveUp(why: string): void {
    this.#gaveUp ??= why;
    for (const [key, resolve] of this.#waiting) {
      const r = { at: performance.now(), missing: why };
      this.#received.set(key, r);
      resolve(r);
    }
    this.#waiting.clear();
  }

  #read(topic: string, m: KafkaMessage): void {
    const at = performance.now();
    this.lastAt = at;
    if (topic === this.topics.outcomes) {
      const o = Outcome.parse(JSON.parse(String(m.value)));
      if (this.#received.has(o.key)) {
        this.extraRecords++;
        return;
      }
      this.attributedCalls += o.httpCalls;
      this.#settle(o.key, { at, outcome: o });
      return;
    }
    const code = m.headers?.[DLQ_HEADERS.code]?.toString();
    if (code !== 'TR_ERR_ADJUSTMENT_INVALID') return; // the others come with an outcome record
    let key: string | undefined;
    try {
      key = (JSON.parse(String(m.value)) as { key?: string }).key;
    } catch {
      return;
    }
    if (key !== undefined && !this.#received.has(key)) this.#settle(key, { at, deadLetter: code });
  }

  #settle(key: string, r: Received): void {
    this.#received.set(key, r);
    this.#waiting.get(key)?.(r);
    this.#waiting.delete(key);
  }
}

/** An outcome's status and reason code, e.g. `dead-lettered: TR_ERR_… (cause)`. */
function statusOf(o: Outcome): string {
  return o.reason ? `${o.status}: ${o.reason.code}${o.reason.cause ? ` (${o.reason.cause})` : ''}` : o.status;
}

async function runSeedLoop(
  adjustments: Adjustment[],
  options: { serverRateLimit: boolean },
): Promise<RunResult & { records: SeedRecord[] }> {
  const sb = await startSandboxProcess();
  try {
    if (!options.serverRateLimit) await sb.admin.behaviour({ rateLimitPerMinute: 0 });
    let calls = 0;
    let limited = 0;
    // The seed "fetches current shifts via /wfm/api/v2/schedules/shifts" first.
    const lister = new WfmHttpClient({
      baseUrl: sb.baseUrl,
      token: CONFIG.token,
      pageSize: CONFIG.writer.pageSize,
      onRequest: () => calls++,
    });
    const listed = new Map((await lister.listShifts({})).map((s) => [s.id, s]));
    await lister.close();
    const overhead = calls;
    const loop = new SeedLoop({
      baseUrl: sb.baseUrl,
      token: CONFIG.token,
      listed,
      now: () => performance.now(),
      onRequest: (status) => {
        calls++;
        if (status === 429) limited++;
      },
    });
    const records: SeedRecord[] = [];
    let window = { open: Number.POSITIVE_INFINITY, close: Number.POSITIVE_INFINITY };
    const result = await drive(
      sb,
      adjustments,
      async (a) => {
        const r = await loop.submit(a);
        records.push(r);
        return {
          finishedAt: r.finishedAt,
          // Decided after the run, once the window's real times are known (see below).
          touchedWindow: false,
          httpCalls: r.calls,
          firstAttemptStale: r.firstAttemptConflict,
          reported: false,
        } as Omit<Done, 'adjustment' | 'arrivedAt'>;
      },
      {
        open: async () => {
          await sb.admin.clock({ now: toWire(WINDOW_OPENS + 1_000) });
        },
        close: async () => {
          await sb.admin.clock({ advanceMs: CONFIG.window.durationMinutes * MIN });
        },
      },
    );
    window = result.window;
    const byKey = new Map(records.map((r) => [r.key, r]));
    for (const d of result.done) {
      const r = byKey.get(d.adjustment.key)!;
      d.touchedWindow = r.startedAt < window.close && r.finishedAt > window.open;
    }
    await loop.close();
    return {
      done: result.done,
      ledger: await sb.admin.ledger(),
      httpCalls: calls,
      overheadCalls: overhead,
      rateLimited: limited,
      runSeconds: result.runSeconds,
      records,
    };
  } finally {
    await stopSandboxProcess(sb);
  }
}

// ---------------------------------------------------------------- reading the ledger

interface Verdict {
  applied: boolean;
  writes: number;
  half: boolean;
}

/** What the ledger says became of each adjustment: the same reading for both columns. */
function judge(adjustments: Adjustment[], ledger: LedgerEntry[]): Map<string, Verdict> {
  const byShift = new Map<string, LedgerEntry[]>();
  for (const e of ledger) {
    if ((e.kind !== 'patch' && e.kind !== 'swap') || e.clientId !== CONFIG.clientId) continue;
    byShift.set(e.shiftId, [...(byShift.get(e.shiftId) ?? []), e]);
  }
  const out = new Map<string, Verdict>();
  for (const a of adjustments) {
    if (a.kind === 'update') {
      const writes = byShift.get(a.shiftId) ?? [];
      const applied = writes.some((e) => planMutation(e.after, a.mutation).kind === 'satisfied');
      out.set(a.key, { applied, writes: writes.length, half: false });
    } else {
      const sideA = (byShift.get(a.a.shiftId) ?? []).filter((e) => e.after.agentId === a.b.agentId);
      const sideB = (byShift.get(a.b.shiftId) ?? []).filter((e) => e.after.agentId === a.a.agentId);
      const writes = Math.max(sideA.length, sideB.length);
      out.set(a.key, {
        applied: sideA.length > 0 && sideB.length > 0,
        writes,
        half: sideA.length > 0 !== sideB.length > 0,
      });
    }
  }
  return out;
}

interface Column {
  adjustments: number;
  applied: number;
  appliedShare: number;
  lost: number;
  appliedTwice: number;
  halfAppliedSwaps: number;
  httpCalls: number;
  httpCallsPerApplied: number;
  httpCallsPerAppliedOutsideWindow: number;
  rateLimited429: number;
  p50ApplyMs: number;
  p99ApplyMs: number;
  firstAttemptsStaleShare: number;
  runSeconds: number;
  /** the genesys-cloud column's own figures */
  genesys?: GenesysFigures;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function column(
  adjustments: Adjustment[],
  run: RunResult,
  verdicts: ReadonlyMap<string, Verdict> = judge(adjustments, run.ledger),
): Column {
  const done = new Map(run.done.map((d) => [d.adjustment.key, d]));
  let applied = 0;
  let lost = 0;
  let twice = 0;
  let half = 0;
  const latencies: number[] = [];
  let outsideCalls = 0;
  let outsideApplied = 0;
  for (const a of adjustments) {
    const v = verdicts.get(a.key)!;
    const d = done.get(a.key)!;
    if (v.applied) {
      applied++;
      latencies.push(d.finishedAt - d.arrivedAt);
    } else if (!d.reported) lost++;
    if (v.writes > 1) twice++;
    if (v.half) half++;
    if (!d.touchedWindow) {
      outsideCalls += d.httpCalls;
      if (v.applied) outsideApplied++;
    }
  }
  // The warm-up list belongs to every adjustment: spread it over all of them.
  outsideCalls += run.overheadCalls * (outsideApplied / Math.max(1, adjustments.length));
  latencies.sort((x, y) => x - y);
  return {
    adjustments: adjustments.length,
    applied,
    appliedShare: applied / adjustments.length,
    lost,
    appliedTwice: twice,
    halfAppliedSwaps: half,
    httpCalls: run.httpCalls,
    httpCallsPerApplied: run.httpCalls / Math.max(1, applied),
    httpCallsPerAppliedOutsideWindow: outsideCalls / Math.max(1, outsideApplied),
    rateLimited429: run.rateLimited,
    p50ApplyMs: Math.round(quantile(latencies, 0.5)),
    p99ApplyMs: Math.round(quantile(latencies, 0.99)),
    firstAttemptsStaleShare:
      run.done.filter((d) => d.firstAttemptStale).length /
      Math.max(1, run.done.filter((d) => d.httpCalls > 0).length),
    runSeconds: Math.round(run.runSeconds * 10) / 10,
  };
}

/** The genesys-cloud column: requests counted on the API host (the ones Genesys' budget counts), not per adjustment. */
function genesysColumn(adjustments: Adjustment[], run: GenesysRun): Column {
  const f = run.figures;
  return {
    ...column(adjustments, run, run.verdicts),
    httpCalls: f.requests.api,
    httpCallsPerApplied: f.apiCallsPerApplied,
    httpCallsPerAppliedOutsideWindow: f.apiCallsPerAppliedOutsideWindow,
    rateLimited429: f.rateLimited429,
    genesys: f,
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const onlyService = process.argv.includes('--only-service');
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  if (onlyAt >= 0 && only !== 'genesys-cloud')
    throw new Error(
      `--only takes genesys-cloud (the one column it can run alone), got '${only ?? ''}'; for the trunk-reactor run column use --only-service`,
    );
  const onlyGenesys = only === 'genesys-cloud';
  const one = onlyService || onlyGenesys;
  const calm = process.argv.includes('--genesys-calm');
  const reference = !one && !process.argv.includes('--no-reference');
  // the docs section shows every column with its faults: a run of one column, or a calm one, does not write it
  const docs = !one && !calm && !process.argv.includes('--no-docs');
  // Ctrl-C or kill: the run process, the topics and a broker started here go too
  const bail = () => void undoAll().finally(() => process.exit(130));
  process.once('SIGINT', bail);
  process.once('SIGTERM', bail);

  const machine = machineFacts();
  const snapshot = generateSchedule(CONFIG.schedule);
  const adjustments = buildWorkload(snapshot);
  const swaps = adjustments.filter((a) => a.kind === 'swap').length;
  process.stdout.write(
    `bench:writer — ${adjustments.length} adjustments (${adjustments.length - swaps} updates, ${swaps} swaps) on ${CONFIG.schedule.agents} agents; ${machine.cpu} (${machine.cores} cores), Node ${machine.node}\n`,
  );

  let trRun: RunResult | undefined;
  let svcRun: ServiceRun | undefined;
  let gcRun: GenesysRun | undefined;
  let seedRun: (RunResult & { records: SeedRecord[] }) | undefined;
  if (!one) {
    process.stdout.write('  running trunk-reactor …\n');
    trRun = await runTrunkReactor(adjustments);
  }
  if (!onlyGenesys) {
    process.stdout.write('  running trunk-reactor run (through Kafka) …\n');
    svcRun = await runService(adjustments);
  }
  if (!onlyService) {
    process.stdout.write('  running genesys-cloud (the writer over GenesysCloudWfm) …\n');
    gcRun = await runGenesysCloud(adjustments, snapshot, { faults: !calm });
  }
  if (!one) {
    process.stdout.write('  running the seed loop …\n');
    seedRun = await runSeedLoop(adjustments, { serverRateLimit: true });
  }
  // For reference (skip with --no-reference): the seed loop once 429s no longer drown its other failures.
  if (reference)
    process.stdout.write('  running the seed loop without the sandbox rate limit (for reference) …\n');
  const freeRun = reference ? await runSeedLoop(adjustments, { serverRateLimit: false }) : undefined;

  const tr = trRun ? column(adjustments, trRun) : undefined;
  const svc = svcRun ? column(adjustments, svcRun) : undefined;
  const gc = gcRun ? genesysColumn(adjustments, gcRun) : undefined;
  const seed = seedRun ? column(adjustments, seedRun) : undefined;
  const free = freeRun ? column(adjustments, freeRun) : undefined;
  const why: NotApplied = {
    trunkReactor: trRun ? notAppliedOf(trRun) : 'not run',
    trunkReactorRun: svcRun ? notAppliedOf(svcRun) : 'not run',
    genesysCloud: gcRun ? notAppliedOf(gcRun) : 'not run',
    seedLoop: seedRun && seed ? whyNot(seedRun, seed) : 'not run',
    seedLoopUnthrottled: freeRun && free ? whyNot(freeRun, free) : 'not run',
  };

  const columns: Array<[string, Column]> = [];
  if (tr) columns.push(['trunk-reactor', tr]);
  if (svc) columns.push(['trunk-reactor run', svc]);
  if (gc) columns.push(['genesys-cloud', gc]);
  if (seed) columns.push(['seed loop', seed]);
  if (free) columns.push(['seed loop, no rate limit', free]);
  const rows = tableRows(columns);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
  process.stdout.write('\n');
  if (tr) process.stdout.write(`  not applied — trunk-reactor: ${why.trunkReactor}\n`);
  if (svc) process.stdout.write(`  not applied — trunk-reactor run: ${why.trunkReactorRun}\n`);
  if (gc) process.stdout.write(`  not applied — genesys-cloud: ${why.genesysCloud}\n`);
  if (seed) process.stdout.write(`  not applied — seed loop: ${why.seedLoop}\n`);
  if (free) process.stdout.write(`  not applied — seed loop, no rate limit: ${why.seedLoopUnthrottled}\n`);
  if (svcRun) {
    const c = svcRun.calls;
    process.stdout.write(
      `  trunk-reactor run: ${c.total} WFM requests, ${c.attributed} counted by outcomes, ${c.unattributed} by none; by route: ${
        Object.entries(c.byRoute)
          .map(([route, n]) => `${route} ${n}`)
          .join(', ') || 'no metrics'
      }; ${svcRun.extraOutcomeRecords} outcome records beyond one per adjustment; exit code ${svcRun.exitCode}\n`,
    );
  }
  if (gc?.genesys) process.stdout.write(`  genesys-cloud: ${genesysCallsText(gc.genesys)}\n`);
  process.stdout.write('\n');

  const perApplied = (col: Column) => Math.round(col.httpCallsPerAppliedOutsideWindow * 1000) / 1000;
  const bars: Bar[] = [];
  if (tr)
    bars.push(
      {
        name: 'applied (or already applied)',
        target: 1,
        actual: tr.appliedShare,
        ok: tr.appliedShare >= 1,
      },
      { name: 'lost', target: 0, actual: tr.lost, ok: tr.lost === 0 },
      { name: 'applied twice', target: 0, actual: tr.appliedTwice, ok: tr.appliedTwice === 0 },
      {
        name: 'half-applied swaps',
        target: 0,
        actual: tr.halfAppliedSwaps,
        ok: tr.halfAppliedSwaps === 0,
      },
      {
        name: 'HTTP calls per applied adjustment outside the publish window',
        target: 1.5,
        actual: perApplied(tr),
        ok: tr.httpCallsPerAppliedOutsideWindow <= 1.5,
      },
    );
  if (svc)
    bars.push(
      {
        name: 'run through the service: HTTP calls per applied adjustment outside the publish window',
        target: 1.5,
        actual: perApplied(svc),
        ok: svc.httpCallsPerAppliedOutsideWindow <= 1.5,
      },
      {
        name: 'run through the service: applied',
        target: 1,
        actual: svc.appliedShare,
        ok: svc.appliedShare >= 1,
      },
      { name: 'run through the service: lost', target: 0, actual: svc.lost, ok: svc.lost === 0 },
      {
        name: 'run through the service: applied twice',
        target: 0,
        actual: svc.appliedTwice,
        ok: svc.appliedTwice === 0,
      },
    );
  if (gc?.genesys)
    bars.push(
      { name: 'genesys-cloud: applied', target: 1, actual: gc.appliedShare, ok: gc.appliedShare >= 1 },
      { name: 'genesys-cloud: lost', target: 0, actual: gc.lost, ok: gc.lost === 0 },
      { name: 'genesys-cloud: applied twice', target: 0, actual: gc.appliedTwice, ok: gc.appliedTwice === 0 },
      {
        name: 'genesys-cloud: half-applied swaps',
        target: 0,
        actual: gc.halfAppliedSwaps,
        ok: gc.halfAppliedSwaps === 0,
      },
      {
        name: 'genesys-cloud: API calls per applied adjustment (every API host request)',
        target: CONFIG.genesys.bars.apiCallsPerApplied,
        actual: gc.genesys.apiCallsPerApplied,
        ok: gc.genesys.apiCallsPerApplied <= CONFIG.genesys.bars.apiCallsPerApplied,
      },
      {
        name: 'genesys-cloud: API requests in any 60 s',
        target: CONFIG.genesys.bars.requestsPerMinute,
        actual: gc.genesys.peakApiRequestsPerMinute,
        ok: gc.genesys.peakApiRequestsPerMinute <= CONFIG.genesys.bars.requestsPerMinute,
      },
    );
  for (const b of bars)
    process.stdout.write(`  bar: ${b.name}: ${b.ok ? 'ok' : 'MISSED'} (${b.actual} vs ${b.target})\n`);
  process.stdout.write('\n');

  const figures = {
    trunkReactor: tr,
    trunkReactorRun: svc &&
      svcRun && {
        ...svc,
        calls: svcRun.calls,
        extraOutcomeRecords: svcRun.extraOutcomeRecords,
        exitCode: svcRun.exitCode,
      },
    genesysCloud: gc,
    seedLoop: seed,
    seedLoopUnthrottled: free,
    notApplied: why,
  };
  if (docs && svcRun && gc?.genesys) writeDocs(machine, columns, bars, why, svcRun.calls, gc.genesys);
  finalLine('writer', machine, figures, bars);
}

/** Where the genesys-cloud column's requests went, in one line. */
function genesysCallsText(f: GenesysFigures): string {
  const u = f.uploads;
  return [
    `${f.requests.api} API host requests (${f.warmUpApiCalls} before the first adjustment), ${f.requests.storage} storage (upload PUTs, download GETs), ${f.requests.login} login`,
    `peak ${f.peakApiRequestsPerMinute} API requests in 60 s; ${f.rateLimited429} × 429`,
    `${u.uploads} uploads (${u.uploadsFailed} failed before or at /update, ${u.resultsTimedOut} results not heard in time), agents per upload p50 ${u.agentsP50}, max ${u.agentsMax}; ${u.changesRequeued} changes re-queued, ${u.changesBisected} bisected`,
    `${f.updateEntries} agent schedules changed (update ledger entries)`,
    `${f.appliedButReported} reported rejected or dead-lettered yet applied`,
    `deferred: ${f.deferred.byWindow} by the publish window, ${f.deferred.other} at other times${f.rescheduleRun ? ` (a reschedule run over ${f.rescheduleRun.unit} in progress ${f.rescheduleRun.seconds} s)` : ''}`,
    `sandbox answers ${JSON.stringify(f.sandbox.answers)}, ${f.sandbox.notificationsLost} notifications lost`,
    `update jobs: ${Object.entries(f.updateJobs)
      .map(([why, n]) => `${n} ${why}`)
      .join('; ')}`,
    `API requests by route: ${Object.entries(f.byRoute)
      .map(([route, n]) => `${route} ${n}`)
      .join(', ')}`,
  ].join('; ');
}

interface NotApplied {
  trunkReactor: string;
  trunkReactorRun: string;
  genesysCloud: string;
  seedLoop: string;
  seedLoopUnthrottled: string;
}

/** The outcome statuses of what was not applied, counted. */
function notAppliedOf(run: RunResult): string {
  const counts = new Map<string, number>();
  for (const d of run.done)
    if (d.status !== 'applied' && d.status !== 'already-applied')
      counts.set(d.status!, (counts.get(d.status!) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join('; ') || 'none';
}

/** Why the seed loop did not apply the rest, from its own records. */
function whyNot(run: RunResult & { records: SeedRecord[] }, col: Column): string {
  const silentlyLost = run.records.filter((r) => r.returned).length - col.applied;
  const raised = new Map<string, number>();
  for (const r of run.records) if (r.error) raised.set(r.error, (raised.get(r.error) ?? 0) + 1);
  return [
    `${silentlyLost} returned without raising (its loop ends silently after three 409s)`,
    ...[...raised].sort((x, y) => y[1] - x[1]).map(([m, n]) => `${n} raised "${m}"`),
  ].join('; ');
}

function tableRows(columns: Array<[string, Column]>): string[][] {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const row = (name: string, f: (c: Column) => string) => [name, ...columns.map(([, c]) => f(c))];
  return [
    ['', ...columns.map(([n]) => n)],
    row('applied (or already applied)', (c) => `${pct(c.appliedShare)} (${c.applied})`),
    row('lost', (c) => String(c.lost)),
    row('applied twice', (c) => String(c.appliedTwice)),
    row('half-applied swaps', (c) => String(c.halfAppliedSwaps)),
    row('HTTP calls per applied adjustment', (c) => c.httpCallsPerApplied.toFixed(2)),
    row('… outside the publish window', (c) => c.httpCallsPerAppliedOutsideWindow.toFixed(2)),
    row('HTTP calls in all', (c) => String(c.httpCalls)),
    row('429s received', (c) => String(c.rateLimited429)),
    row('time to apply, p50', (c) => sec(c.p50ApplyMs)),
    row('time to apply, p99', (c) => sec(c.p99ApplyMs)),
    row('first writes on a stale version', (c) => pct(c.firstAttemptsStaleShare)),
    row('run time', (c) => `${c.runSeconds} s`),
    ...(columns.some(([, c]) => c.genesys)
      ? [
          row('requests: API / storage / login', (c) =>
            c.genesys
              ? `${c.genesys.requests.api} / ${c.genesys.requests.storage} / ${c.genesys.requests.login}`
              : '—',
          ),
          row('most API requests in 60 s', (c) =>
            c.genesys ? String(c.genesys.peakApiRequestsPerMinute) : '—',
          ),
          row('uploads (agents each: p50, max)', (c) =>
            c.genesys
              ? `${c.genesys.uploads.uploads} (${c.genesys.uploads.agentsP50}, ${c.genesys.uploads.agentsMax})`
              : '—',
          ),
        ]
      : []),
  ];
}

function writeDocs(
  machine: Machine,
  columns: Array<[string, Column]>,
  bars: readonly Bar[],
  why: NotApplied,
  calls: ServiceRun['calls'],
  genesys: GenesysFigures,
): void {
  const date = new Date().toISOString().slice(0, 10);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const [head, ...body] = tableRows(columns);
  // the bars' rows, in the columns the bars are about
  const bold = new Set([
    'applied (or already applied)',
    'lost',
    'applied twice',
    'half-applied swaps',
    '… outside the publish window',
  ]);
  // the genesys-cloud column's bars: every API request per applied adjustment, and the busiest minute
  const genesysBold = new Set([...bold, 'HTTP calls per applied adjustment', 'most API requests in 60 s']);
  genesysBold.delete('… outside the publish window');
  const boldIn = (column: string, row: string) =>
    column === 'genesys-cloud' ? genesysBold.has(row) : column.startsWith('trunk-reactor') && bold.has(row);
  const f = CONFIG.faults;
  const w = CONFIG.service.window;
  const section = [
    `Measured ${date} by \`npm run bench:writer\` on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}. Each column gets a fresh`,
    'sandbox in its own process. In the trunk-reactor and genesys-cloud columns the writer and its client run in the bench',
    'process and are driven directly; in the trunk-reactor run column the service runs as deployed (below); the seed loop',
    'runs in the bench process. The genesys-cloud column writes to the emulated Genesys Cloud org, with faults of its own',
    "(below); the others to the seed contract's sandbox.",
    '',
    `Workload: ${CONFIG.updates + CONFIG.swaps} adjustments (${CONFIG.updates} shift updates: extend, pull forward, shorten, activities to on-queue; ${CONFIG.swaps} swaps of`,
    `overlapping shifts) on ${CONFIG.schedule.agents} Asia/Singapore agents, all in the week the publish window publishes, arriving in`,
    `${CONFIG.bursts} bursts of ${Math.ceil((CONFIG.updates + CONFIG.swaps) / CONFIG.bursts)}, ${CONFIG.burstEveryMs / 1000} s apart. Faults (the genesys-cloud column's are below): the other-integration mutator at ${f.mutatorPerSecond} changes/s, ${pct(f.errorRate + f.errorAfterWriteRate)} 5xx`,
    `(${pct(f.errorAfterWriteRate)} of answers lost after the write landed), ${f.latencyMs}–${f.latencyMs + f.latencyJitterMs} ms latency, a sandbox rate limit of ${CONFIG.server.rateLimitPerMinute / 60} requests/s`,
    `(burst ${CONFIG.server.rateLimitBurst}; trunk-reactor's client limiter at 90% of it), and the publish window opening after burst ${CONFIG.window.openAfterBurst + 1}`,
    `and closing ${CONFIG.window.openForMs / 1000} s later (in the trunk-reactor and seed loop columns the sandbox's and the writer's clocks jump`,
    `${CONFIG.window.durationMinutes} minutes; the trunk-reactor run column is described below).`,
    '',
    `| ${head!.join(' | ')} |`,
    `| ${head!.map(() => '---').join(' | ')} |`,
    ...body.map(
      ([name, ...cells]) =>
        `| ${name} | ${cells.map((c, i) => (boldIn(columns[i]![0], name!) ? `**${c}**` : c)).join(' | ')} |`,
    ),
    '',
    `Not applied — trunk-reactor: ${why.trunkReactor}. trunk-reactor run: ${why.trunkReactorRun}. genesys-cloud: ${why.genesysCloud}.`,
    `Seed loop: ${why.seedLoop}. Seed loop without the rate limit: ${why.seedLoopUnthrottled}.`,
    '',
    `The trunk-reactor run column's ${calls.total} WFM requests by route: ${Object.entries(calls.byRoute)
      .map(([route, n]) => `${route} ${n}`)
      .join(', ')}; ${calls.unattributed} of them counted by no outcome.`,
    '',
    ...genesysDocs(genesys),
    '',
    '| bar | target | actual | |',
    '| --- | --- | --- | --- |',
    ...bars.map((b) =>
      b.target === 1
        ? `| ${b.name} | 100% | ${pct(Number(b.actual))} | ${b.ok ? 'ok' : 'missed'} |`
        : `| ${b.name} | ${/calls|in any 60 s/.test(b.name) ? '≤ ' : ''}${b.target} | ${b.actual} | ${b.ok ? 'ok' : 'missed'} |`,
    ),
    '',
    'How it is read: applied, applied twice and half-applied swaps come from the sandbox ledger, the same way for every',
    "column: the writes of the column's client to each adjustment's shifts (the workload gives every adjustment its own",
    'shifts); an update counts as applied when a write left its target state true, a swap when both shifts changed owner.',
    'Lost = not applied and not reported as rejected or dead-lettered (the seed loop reports nothing). Calls per applied',
    'adjustment count every request the client sent, the warm-up list included; "outside the publish window" leaves out the',
    'adjustments the window touched (trunk-reactor columns: deferred by it; seed loop: processed while it was open). Time to apply',
    'runs from arrival to outcome, queueing and the window included, over applied adjustments only (which flatters the seed',
    'loop: its quick successes are all that is counted).',
    '',
    'The trunk-reactor run column is the service as deployed: `trunk-reactor run --role writer` in its own process, with a',
    `config of its own (fresh Kafka topics, the sandbox as \`wfm.baseUrl\`, \`wfm.requestsPerMinute\` ${CONFIG.client.perMinute} and \`wfm.maxConcurrency\``,
    `${CONFIG.writer.concurrency} as in the trunk-reactor column, the \`writer:\` section at its defaults). The bench produces the`,
    'adjustments to the adjustments topic in the same bursts, keyed by agent as the planning stage keys them, and reads the',
    'outcome the writer stage publishes for each. Time to apply ends when the outcome is read: an outcome is published in',
    'the transaction that commits its offset, once every adjustment before it on its partition has one, and a partition',
    'whose first waiting adjustment is deferred by the window fetches no more until that one is applied.',
    '',
    `The process reads the system clock, so no clock jumps. The sandbox gets a ${w.durationMinutes}-minute publish window (day ${w.dayOfWeek}, ${w.time}`,
    `${w.zone}, on its own clock); at the same burst as in the other columns its clock is set ${CONFIG.window.openForMs / 1000} s before that window`,
    `closes, so it is open for those ${CONFIG.window.openForMs / 1000} s and closes by itself. The sandbox's clock runs behind the system clock, so`,
    "the instants it names (a bulk swap item's `lockedUntil`) are past to the process; the run's",
    '`publishWindow` is therefore that window as it falls on the system clock: the minute, in the same zone, at whose end',
    "the sandbox's window closes (the bursts start when it is due), as a deployment whose WFM keeps the same time would",
    'configure it. Updates learn the end of the lock from Retry-After, swaps from that window.',
    '',
    'Its HTTP calls are every request the sandbox received: the run process is its only client, and readiness is read from',
    "the process's log, not from /readyz, whose probe reads the WFM. Calls no outcome counts (team lists, the week's re-read",
    'after the window) are spread over every adjustment, as the warm-up list is in the trunk-reactor column.',
    '',
    'The seed loop (`bench/seed-loop.ts`) runs one adjustment at a time: PATCH with the listed version, on 409 re-GET the',
    'version and retry, three attempts, no backoff, no idempotency key, a swap as two PATCHes. Its last column, without the',
    'sandbox rate limit, is for reference only: it shows the 409 causes themselves once 429s no longer drown them. Its',
    '"applied twice" stays 0 only because its payloads are target states too (the same `end` again) and the sandbox does not',
    'record a write that changes nothing; its swaps of overlapping shifts are lost whole rather than half applied, because',
    'the first PATCH already meets the transient overlap.',
    '',
    ...genesysMethod(genesys),
  ];
  writeDocSection(new URL('../docs/benchmarks.md', import.meta.url), '## bench:writer', section);
}

/** The genesys-cloud column's own figures, where its requests went. */
function genesysDocs(f: GenesysFigures): string[] {
  const u = f.uploads;
  return [
    `The genesys-cloud column's ${f.requests.api} API host requests (${f.warmUpApiCalls} of them before the first adjustment: org discovery,`,
    `the notification channel, the warm-up read) by route: ${Object.entries(f.byRoute)
      .map(([route, n]) => `${route.replace('/api/v2/workforcemanagement', '…')} ${n}`)
      .join(
        ', ',
      )}. Beside them ${f.requests.storage} requests to the signed storage URLs (upload PUTs, download GETs) and`,
    `${f.requests.login} to the login host, which Genesys' budget does not count. ${u.uploads} uploads (agents each: p50 ${u.agentsP50}, max`,
    `${u.agentsMax}; ${u.uploadsFailed} failed at \`uploadurl\`, the PUT or \`/update\`; ${u.resultsTimedOut} results not heard in time): ${u.changesRequeued} changes re-queued after`,
    `another change moved the schedule's version, ${u.changesBisected} sent again alone after an \`Error\` nothing explained. The sandbox's update jobs`,
    `for this client: ${Object.entries(f.updateJobs)
      .map(([why, n]) => `${n} ${why}`)
      .join(
        '; ',
      )}. ${f.updateEntries} agent schedules changed by them (ledger \`update\` entries); ${f.sandbox.notificationsLost}`,
    `results not announced; ${f.rateLimited429} answers 429. ${f.appliedButReported} adjustments reported rejected or dead-lettered are applied all the same. Deferred: ${f.deferred.byWindow} adjustments by the publish window, ${f.deferred.other} at other times${f.rescheduleRun ? ` (the reschedule run over ${f.rescheduleRun.unit} was in progress ${f.rescheduleRun.seconds} s)` : ''}.`,
  ];
}

/** How the genesys-cloud column runs and is read. */
function genesysMethod(f: GenesysFigures): string[] {
  const g = CONFIG.genesys;
  const x = g.faults;
  const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
  const storm = g.storms[0]!;
  return [
    'The genesys-cloud column is the same Writer, driven directly as in the trunk-reactor column, with the settings a',
    `\`wfm.kind: genesys-cloud\` deployment gets by default (\`wfm.maxConcurrency\` ${DEFAULTS.wfm.maxConcurrency['genesys-cloud']}; the client's gate is the service's shared`,
    `budget at \`wfm.requestsPerMinute\` ${DEFAULTS.wfm.requestsPerMinute}, burst ${DEFAULTS.wfm.requestsPerMinute / 10}, on real time as Genesys' limit is), over the Genesys Cloud backend`,
    '(`src/wfm/genesys-cloud/`, uploads at their defaults) against the emulated Genesys org (`src/sandbox/genesys-cloud/`) built',
    'from the same schedule snapshot: the same agents and shift ids, so the same adjustments in the same bursts. All 500',
    "agents are in one published one-week schedule, so every change goes through that schedule's single upload lane. Its",
    "faults are Genesys' own:",
    '',
    `- version races: for ${pct(x.mutatorBeforeWriteShare)} of agent schedules the other integration gets in just before our first upload touching`,
    "  the agent (`mutatorBeforeWriteShare`): the seed columns' share of stale first writes, counted per agent schedule, the",
    '  unit Genesys versions;',
    `- the other integration in the background at ${x.mutatorPerSecond} changes/s (${x.mutatorPerSecond * 60} a minute on a 500-agent business unit: time off,`,
    `  trades, supervisors' edits). Not the seed's ${CONFIG.faults.mutatorPerSecond}/s: an upload carries up to 250 agents and is all-or-nothing, and each`,
    "  such change also bumps the schedule's version, so at that rate nearly every upload would fail;",
    `- ${pct(x.errorRate)} of API requests answered 500 or 503 before anything is done, as in the seed columns; ${pct(x.errorAfterWriteRate)} of \`/update\``,
    `  requests answered 500 after their job started (per upload, not per shift: at ${pct(CONFIG.faults.errorAfterWriteRate)} a run of some 50 uploads would`,
    `  most likely see none); ${pct(x.notificationLossRate)} of job results applied but never announced; ${x.latencyMs}–${x.latencyMs + x.latencyJitterMs} ms latency;`,
    `- the publish window, opening after burst ${CONFIG.window.openAfterBurst + 1} and closing ${CONFIG.window.openForMs / 1000} s later. It is ${CONFIG.window.openForMs / 1000} s long on the sandbox and the client`,
    '  alike, so that no clock jumps: a 30-minute jump would add 30 minutes to the attempt budget of every change waiting',
    '  for an upload, up to 200 at a time;',
    `- an intraday reschedule run, Scheduling over one management unit from burst ${g.run.fromBurst + 1} until it has held back a change and lasted`,
    `  ${g.run.minMs / 1000} s (at most ${g.run.maxMs / 1000} s), then Complete;`,
    `- a 429 storm: the org's limit drops from ${g.server.rateLimitPerMinute} to ${storm.rateLimitPerMinute} requests a minute (burst ${storm.rateLimitBurst}) from burst ${storm.fromBurst + 1} to burst`,
    `  ${storm.toBurst + 1}, then comes back.`,
    '',
    "How it is read: from the sandbox ledger's `update` entries (one per agent schedule an upload changed, each listing",
    "its shifts' changes). An update is applied by an entry that edited its shift from its target false to its target",
    'true; more than one such entry is "applied twice". A swap re-creates each shift under a new id in the other',
    "agent's schedule: it is applied when both agents received the other's shift in one upload (one operationId), half",
    'applied when one side moved in an upload without the other, applied twice when it moved in more than one. Lost = not',
    'applied and without a terminal outcome reported (rejected, dead-lettered), including adjustments still without one',
    `${g.silenceMs / 1000} s after the last outcome or ${g.maxRunMs / 60_000} minutes after the first burst. HTTP calls are the requests to the API host`,
    "(`GenesysHttp.calls.api`: the ones Genesys' 300 a minute per token counts), 429s included, every one of them, warm-up,",
    'window and storms included: an upload carries many adjustments, so they are not attributed per adjustment. "Outside',
    'the publish window" leaves out, by time, the window\'s stretch: from its opening until the last adjustment it deferred',
    'has its outcome (the requests sent in it, and the adjustments it deferred or that finished in it). The most API',
    'requests in 60 s is a sliding window over when the client saw each answer. Time to apply runs from arrival to outcome.',
    "The column's figures vary from run to run more than the others': one failed request or one stale agent decides the",
    'fate of a whole upload of up to 250 changes.',
    ...(f.faults ? [] : ['', '(This run of the column had its faults off.)']),
  ];
}

// ---------------------------------------------------------------- entry

// last, so that every declaration above is initialized before main() or the sandbox child runs
if (process.argv[2] === '--sandbox-child') {
  const { startSandbox } = await import('../src/sandbox/server.js');
  const sb = await startSandbox({
    port: 0,
    snapshot: generateSchedule(CONFIG.schedule),
    clockStart: WINDOW_OPENS - 30 * MIN,
    clockFrozen: false,
    behaviour: { ...CONFIG.server, pageSizeMax: 500 },
    tokens: [CONFIG.token],
  });
  process.stdout.write(`${JSON.stringify({ url: sb.url, baseUrl: sb.baseUrl })}\n`);
  process.on('SIGTERM', () => void sb.close().then(() => process.exit(0)));
} else if (process.argv[2] === '--genesys-sandbox-child') {
  const { startGenesysSandbox } = await import('../src/sandbox/genesys-cloud/server.js');
  const sb = await startGenesysSandbox({
    port: 0,
    snapshot: generateSchedule(CONFIG.schedule),
    clockStart: WINDOW_OPENS - 30 * MIN,
    clockFrozen: false,
    publishWindow: CONFIG.genesys.window,
    behaviour: CONFIG.genesys.server,
  });
  process.stdout.write(
    `${JSON.stringify({ url: sb.url, apiBaseUrl: sb.apiBaseUrl, loginUrl: sb.loginUrl })}\n`,
  );
  process.on('SIGTERM', () => void sb.close().then(() => process.exit(0)));
} else {
  await main();
}
