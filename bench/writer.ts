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
 * - the publish window opens when 30% of the adjustments have arrived and closes 8 s later:
 *   both virtual clocks (sandbox and writer) jump, so it takes seconds, not 30 minutes.
 *
 * Each column gets a fresh sandbox in its own process. Applied, lost, applied twice and
 * half-applied swaps are read from the sandbox's ledger, the same way for both columns.
 * Prints a table, writes docs/benchmarks.md (section "## bench:writer"), and ends with
 * one line of JSON.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Adjustment, ShiftMutation } from '../src/planner/adjustment.js';
import { generateSchedule } from '../src/sandbox/generate.js';
import { seededRandom } from '../src/sandbox/rng.js';
import { parseInstant, toWire } from '../src/time/instant.js';
import type { Shift } from '../src/wfm/contract.js';
import { WfmHttpClient, type WfmRequestEvent } from '../src/wfm/http-client.js';
import type { ScheduleSnapshot } from '../src/wfm/snapshot.js';
import { deriveIdempotencyKey } from '../src/writer/idempotency-key.js';
import { planMutation } from '../src/writer/mutation.js';
import { MemoryOutcomeSink, type Outcome } from '../src/writer/outcome.js';
import { RateLimiter } from '../src/writer/rate-limiter.js';
import { Writer } from '../src/writer/writer.js';
import { JumpClock } from '../test/writer/support/jump-clock.js';
import { type LedgerEntry, SandboxAdmin } from '../test/writer/support/sandbox-admin.js';
import { SeedLoop, type SeedRecord } from './seed-loop.js';
import { finalLine, type Machine, machine as machineFacts, writeDocSection } from './support/report.js';

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
  token: 'sandbox-token',
  clientId: 'static-1',
};

// ---------------------------------------------------------------- sandbox child process

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
} else {
  await main();
}

interface Sandbox {
  url: string;
  baseUrl: string;
  admin: SandboxAdmin;
  child: ChildProcess;
}

async function startSandboxProcess(): Promise<Sandbox> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, '--sandbox-child'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the sandbox process exited with ${code}`)));
  });
  const { url, baseUrl } = JSON.parse(line) as { url: string; baseUrl: string };
  return { url, baseUrl, admin: new SandboxAdmin(url), child };
}

async function stopSandboxProcess(sb: Sandbox): Promise<void> {
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

/** Feeds the bursts, opens and closes the publish window, waits for every adjustment. */
async function drive(
  sb: Sandbox,
  adjustments: Adjustment[],
  submit: (a: Adjustment) => Promise<Omit<Done, 'adjustment' | 'arrivedAt'>>,
  clocks: { open(): Promise<void>; close(): Promise<void> },
): Promise<{ done: Done[]; window: { open: number; close: number }; runSeconds: number }> {
  await sb.admin.faults(CONFIG.faults);
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
  await sb.admin.faults({ mutatorPerSecond: 0, errorRate: 0, errorAfterWriteRate: 0 });
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
          status: o.reason
            ? `${o.status}: ${o.reason.code}${o.reason.cause ? ` (${o.reason.cause})` : ''}`
            : o.status,
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
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function column(adjustments: Adjustment[], run: RunResult): Column {
  const verdicts = judge(adjustments, run.ledger);
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

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const machine = machineFacts();
  const snapshot = generateSchedule(CONFIG.schedule);
  const adjustments = buildWorkload(snapshot);
  const swaps = adjustments.filter((a) => a.kind === 'swap').length;
  process.stdout.write(
    `bench:writer — ${adjustments.length} adjustments (${adjustments.length - swaps} updates, ${swaps} swaps) on ${CONFIG.schedule.agents} agents; ${machine.cpu} (${machine.cores} cores), Node ${machine.node}\n`,
  );

  process.stdout.write('  running trunk-reactor …\n');
  const trRun = await runTrunkReactor(adjustments);
  const tr = column(adjustments, trRun);
  process.stdout.write('  running the seed loop …\n');
  const seedRun = await runSeedLoop(adjustments, { serverRateLimit: true });
  const seed = column(adjustments, seedRun);
  // For reference (skip with --no-reference): the seed loop once 429s no longer drown its other failures.
  const reference = !process.argv.includes('--no-reference');
  if (reference)
    process.stdout.write('  running the seed loop without the sandbox rate limit (for reference) …\n');
  const freeRun = reference ? await runSeedLoop(adjustments, { serverRateLimit: false }) : undefined;
  const free = freeRun ? column(adjustments, freeRun) : undefined;

  const notApplied = new Map<string, number>();
  for (const d of trRun.done)
    if (d.status !== 'applied' && d.status !== 'already-applied')
      notApplied.set(d.status!, (notApplied.get(d.status!) ?? 0) + 1);
  const why = {
    trunkReactor: [...notApplied].map(([k, n]) => `${n} ${k}`).join('; ') || 'none',
    seedLoop: whyNot(seedRun, seed),
    seedLoopUnthrottled: freeRun && free ? whyNot(freeRun, free) : 'not run',
  };

  const columns: Array<[string, Column]> = [
    ['trunk-reactor', tr],
    ['seed loop', seed],
    ...(free ? [['seed loop, no rate limit', free] as [string, Column]] : []),
  ];
  const rows = tableRows(columns);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
  process.stdout.write(
    `\n  not applied — trunk-reactor: ${why.trunkReactor}\n  not applied — seed loop: ${why.seedLoop}\n${free ? `  not applied — seed loop, no rate limit: ${why.seedLoopUnthrottled}\n` : ''}\n`,
  );

  const bars = [
    { name: 'applied (or already applied)', target: 1, actual: tr.appliedShare, ok: tr.appliedShare >= 1 },
    { name: 'lost', target: 0, actual: tr.lost, ok: tr.lost === 0 },
    { name: 'applied twice', target: 0, actual: tr.appliedTwice, ok: tr.appliedTwice === 0 },
    { name: 'half-applied swaps', target: 0, actual: tr.halfAppliedSwaps, ok: tr.halfAppliedSwaps === 0 },
    {
      name: 'HTTP calls per applied adjustment outside the publish window',
      target: 1.5,
      actual: Math.round(tr.httpCallsPerAppliedOutsideWindow * 1000) / 1000,
      ok: tr.httpCallsPerAppliedOutsideWindow <= 1.5,
    },
  ];
  for (const b of bars)
    process.stdout.write(`  bar: ${b.name}: ${b.ok ? 'ok' : 'MISSED'} (${b.actual} vs ${b.target})\n`);
  process.stdout.write('\n');

  const figures = { trunkReactor: tr, seedLoop: seed, seedLoopUnthrottled: free, notApplied: why };
  if (!process.argv.includes('--no-docs')) writeDocs(machine, columns, bars, why);
  finalLine('writer', machine, figures, bars);
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
  ];
}

function writeDocs(
  machine: Machine,
  columns: Array<[string, Column]>,
  bars: Array<{ name: string; target: number; actual: number; ok: boolean }>,
  why: { trunkReactor: string; seedLoop: string; seedLoopUnthrottled: string },
): void {
  const date = new Date().toISOString().slice(0, 10);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const [head, ...body] = tableRows(columns);
  const bold = new Set([
    'applied (or already applied)',
    'lost',
    'applied twice',
    'half-applied swaps',
    '… outside the publish window',
  ]);
  const f = CONFIG.faults;
  const section = [
    `Measured ${date} by \`npm run bench:writer\` on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}. Each column gets a fresh`,
    'sandbox in its own process; the client and the writer (or the seed loop) run in the bench process.',
    '',
    `Workload: ${CONFIG.updates + CONFIG.swaps} adjustments (${CONFIG.updates} shift updates: extend, pull forward, shorten, activities to on-queue; ${CONFIG.swaps} swaps of`,
    `overlapping shifts) on ${CONFIG.schedule.agents} Asia/Singapore agents, all in the week the publish window publishes, arriving in`,
    `${CONFIG.bursts} bursts of ${Math.ceil((CONFIG.updates + CONFIG.swaps) / CONFIG.bursts)}, ${CONFIG.burstEveryMs / 1000} s apart. Faults: the other-integration mutator at ${f.mutatorPerSecond} changes/s, ${pct(f.errorRate + f.errorAfterWriteRate)} 5xx`,
    `(${pct(f.errorAfterWriteRate)} of answers lost after the write landed), ${f.latencyMs}–${f.latencyMs + f.latencyJitterMs} ms latency, a sandbox rate limit of ${CONFIG.server.rateLimitPerMinute / 60} requests/s`,
    `(burst ${CONFIG.server.rateLimitBurst}; trunk-reactor's client limiter at 90% of it), and the publish window opening after burst ${CONFIG.window.openAfterBurst + 1}`,
    `and closing ${CONFIG.window.openForMs / 1000} s later (the sandbox's and the writer's clocks jump ${CONFIG.window.durationMinutes} minutes).`,
    '',
    `| ${head!.join(' | ')} |`,
    `| ${head!.map(() => '---').join(' | ')} |`,
    ...body.map(
      ([name, tr, ...rest]) => `| ${name} | ${bold.has(name!) ? `**${tr}**` : tr} | ${rest.join(' | ')} |`,
    ),
    '',
    `Not applied — trunk-reactor: ${why.trunkReactor}. Seed loop: ${why.seedLoop}. Seed loop without the rate`,
    `limit: ${why.seedLoopUnthrottled}.`,
    '',
    '| bar (trunk-reactor) | target | actual | |',
    '| --- | --- | --- | --- |',
    ...bars.map((b) =>
      b.target === 1
        ? `| ${b.name} | 100% | ${pct(b.actual)} | ${b.ok ? 'ok' : 'missed'} |`
        : `| ${b.name} | ${b.name.startsWith('HTTP') ? '≤ ' : ''}${b.target} | ${b.actual} | ${b.ok ? 'ok' : 'missed'} |`,
    ),
    '',
    'How it is read: applied, applied twice and half-applied swaps come from the sandbox ledger, the same way for every',
    "column: the writes of the column's client to each adjustment's shifts (the workload gives every adjustment its own",
    'shifts); an update counts as applied when a write left its target state true, a swap when both shifts changed owner.',
    'Lost = not applied and not reported as rejected or dead-lettered (the seed loop reports nothing). Calls per applied',
    'adjustment count every request the client sent, the warm-up list included; "outside the publish window" leaves out the',
    'adjustments the window touched (trunk-reactor: deferred by it; seed loop: processed while it was open). Time to apply',
    'runs from arrival to outcome, queueing and the window included, over applied adjustments only (which flatters the seed',
    'loop: its quick successes are all that is counted). The seed loop (`bench/seed-loop.ts`) runs one adjustment at a time:',
    'PATCH with the listed version, on 409 re-GET the version and retry, three attempts, no backoff, no idempotency key, a',
    'swap as two PATCHes. Its third column, without the sandbox rate limit, is for reference only: it shows the 409 causes',
    'themselves once 429s no longer drown them. Its "applied twice" stays 0 only because its payloads are target states too',
    '(the same `end` again) and the sandbox does not record a write that changes nothing; its swaps of overlapping shifts',
    'are lost whole rather than half applied, because the first PATCH already meets the transient overlap.',
  ];
  writeDocSection(new URL('../docs/benchmarks.md', import.meta.url), '## bench:writer', section);
}
