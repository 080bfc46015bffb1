import { afterEach, describe, expect, it } from 'vitest';
import { startGenesysSandbox } from '../../src/sandbox/genesys-cloud/server.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import { DEFAULT_PUBLISH_WINDOW } from '../../src/time/publish-window.js';
import type { WfmAdapter } from '../../src/wfm/adapter.js';
import type { Shift } from '../../src/wfm/contract.js';
import { GenesysCloudWfm } from '../../src/wfm/genesys-cloud/backend.js';
import { WfmHttpClient } from '../../src/wfm/http-client.js';
import { MemoryOutcomeSink } from '../../src/writer/outcome.js';
import { Writer } from '../../src/writer/writer.js';
import { swap, update } from '../writer/support/adjustments.js';
import {
  otherIntegrationPatch,
  PUBLISHED_WEEK,
  schedule,
  TOKENS,
  until,
  WEDNESDAY,
  WINDOW_MINUTES,
  WINDOW_OPENS,
} from '../writer/support/fixture.js';
import { JumpClock } from '../writer/support/jump-clock.js';

/**
 * The writer's promises, stated once over the WFM port and held against every backend:
 * the seed contract (a PATCH per shift, idempotency keys) and Genesys Cloud (uploads of
 * whole agent schedules, versions only). Each test runs once per backend, on the same
 * schedule (the sandboxes build both orgs from one snapshot).
 */
const MIN = 60_000;
const ZONE = 'Asia/Singapore';

interface Harness {
  adapter: WfmAdapter;
  writer: Writer;
  sink: MemoryOutcomeSink;
  /** every shift of the schedule, as the backend reads it */
  all(): Promise<Shift[]>;
  /** another integration changes the shift's agent: a break of the shift becomes a meeting */
  otherIntegration(shift: Shift): Promise<void>;
  /** the writes this client made that landed, one per changed agent schedule or shift */
  ourWrites(): Promise<number>;
  faults(f: { errorRate?: number; errorAfterWriteRate?: number; seed?: number }): Promise<void>;
  /** moves both clocks (the WFM's and the writer's) forward */
  advance(ms: number): Promise<void>;
  setTime(ms: number): Promise<void>;
  /** a reschedule run in progress over every unit; undefined when the WFM has none */
  rescheduleRun?(): Promise<{ end(): Promise<void> }>;
  /** a new client and writer on the same WFM, as after a restart: nothing read yet, nothing cached */
  restart(): Promise<{ adapter: WfmAdapter; writer: Writer; sink: MemoryOutcomeSink }>;
}

type Backend = { name: string; start(): Promise<Harness> };

/** What the tests read of the sandboxes' admin answers. */
// biome-ignore lint/suspicious/noExplicitAny: admin answers of two sandbox flavours, read field by field
type Admin = any;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  // last opened first: writers and clients before the sandbox they talk to
  for (const close of closers.splice(0).reverse()) await close();
});

function writerFor(
  adapter: WfmAdapter,
  clock: JumpClock,
  sink: MemoryOutcomeSink,
  concurrency: number,
): Writer {
  return new Writer({
    adapter,
    clock,
    sink,
    concurrency,
    random: () => 0.5,
    businessUnit: { timeZone: ZONE },
    publishWindow: DEFAULT_PUBLISH_WINDOW,
  });
}

/** Both sandboxes' admin API, under `/_sandbox`. */
function sandboxAdmin(url: string) {
  return (method: string, path: string, body?: unknown) =>
    fetch(`${url}/_sandbox${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
        : {}),
    }).then((r) => r.json() as Promise<Admin>);
}

/**
 * What both harnesses share: a client and writer (and another pair for a restart, closed with
 * the test), the sandbox's faults, and moving its clock and the writer's together.
 */
function common(
  admin: ReturnType<typeof sandboxAdmin>,
  clock: JumpClock,
  client: () => WfmAdapter & { close(): Promise<void> },
  concurrency: number,
): Pick<Harness, 'adapter' | 'writer' | 'sink' | 'restart' | 'faults' | 'advance' | 'setTime'> {
  const open = () => {
    const adapter = client();
    const sink = new MemoryOutcomeSink();
    const writer = writerFor(adapter, clock, sink, concurrency);
    closers.push(async () => {
      await writer.close().catch(() => {});
      await adapter.close();
    });
    return { adapter, writer, sink };
  };
  return {
    ...open(),
    restart: async () => open(),
    faults: (f) => admin('PUT', '/faults', f),
    async advance(ms) {
      await admin('PUT', '/clock', { advanceMs: ms });
      clock.advance(ms);
    },
    async setTime(ms) {
      await admin('PUT', '/clock', { now: toWire(ms) });
      clock.advance(ms - clock.now());
    },
  };
}

const contract: Backend = {
  name: 'contract',
  async start() {
    const snapshot = schedule();
    const sandbox = await startSandbox({
      port: 0,
      snapshot,
      clockStart: WEDNESDAY,
      clockFrozen: true,
      tokens: TOKENS,
      behaviour: { rateLimitPerMinute: 0 },
    });
    const clock = new JumpClock(WEDNESDAY);
    closers.push(() => sandbox.close());
    const admin = sandboxAdmin(sandbox.url);
    const shared = common(
      admin,
      clock,
      () => new WfmHttpClient({ baseUrl: sandbox.baseUrl, token: 'sandbox-token', clock }),
      8,
    );
    const { adapter } = shared;
    return {
      ...shared,
      all: () => adapter.listShifts({}),
      async otherIntegration(shift) {
        const current = await adapter.getShift(shift.id);
        await otherIntegrationPatch(sandbox.url, shift.id, {
          version: current.version,
          activities: current.activities.map((a) => (a.type === 'break' ? { ...a, type: 'meeting' } : a)),
        });
      },
      async ourWrites() {
        const ledger = await admin('GET', '/ledger?limit=10000');
        return ledger.entries.filter(
          (e: Admin) => (e.kind === 'patch' || e.kind === 'swap') && e.idempotencyKey,
        ).length;
      },
    };
  },
};

const genesysCloud: Backend = {
  name: 'genesys-cloud',
  async start() {
    const sandbox = await startGenesysSandbox({
      port: 0,
      snapshot: schedule(),
      clockStart: WEDNESDAY,
      clockFrozen: true,
      behaviour: { jobMs: 5, rateLimitPerMinute: 0 },
    });
    const clock = new JumpClock(WEDNESDAY);
    closers.push(() => sandbox.close());
    const admin = sandboxAdmin(sandbox.url);
    const store = sandbox.wfm.store;
    const shared = common(
      admin,
      clock,
      () =>
        new GenesysCloudWfm({
          apiBaseUrl: sandbox.apiBaseUrl,
          loginBaseUrl: sandbox.loginUrl,
          businessUnitId: 'bu-apac',
          clientId: 'trunk-reactor',
          clientSecret: 'sandbox-secret',
          clock,
          publishWindow: DEFAULT_PUBLISH_WINDOW,
          uploads: { resultTimeoutMs: 1_000, unknownSettleMs: 50, lingerMs: 10, readBackLaterMs: 200 },
        }),
      200,
    );
    const { adapter } = shared;
    return {
      ...shared,
      all: () => adapter.listShifts({ from: '2026-11-21T16:00:00Z', to: '2026-12-06T16:00:00Z' }),
      async otherIntegration(shift) {
        const home = store.state.schedules.find(
          (s) => s.published && s.agents[shift.agentId]?.shifts.some((x) => x.id === shift.id),
        )!;
        const g = home.agents[shift.agentId]!.shifts.find((x) => x.id === shift.id)!;
        const breakCode = store.state.activityCodes.find((c) => c.category === 'Break' && c.defaultCode)!;
        const meeting = store.state.activityCodes.find((c) => c.category === 'Meeting' && c.defaultCode)!;
        for (const a of g.activities) if (a.activityCodeId === breakCode.id) a.activityCodeId = meeting.id;
        store.bumpAgent(home, shift.agentId, {
          kind: 'mutator',
          clientId: 'other-integration',
          operationId: null,
          at: sandbox.wfm.clock.now(),
        });
      },
      async ourWrites() {
        const ledger = await admin('GET', '/ledger?limit=10000');
        return ledger.entries.filter((e: Admin) => e.kind === 'update').length;
      },
      async rescheduleRun() {
        const home = store.state.schedules.find((s) => s.published && s.weekCount === 1)!;
        const run = await admin('POST', '/scheduling-runs', { scheduleId: home.id, state: 'Scheduling' });
        return {
          end: async () => {
            await admin('PUT', `/scheduling-runs/${run.id}`, { state: 'Complete' });
          },
        };
      },
    };
  },
};

/** A shift of agent `agent` starting on the `day`-th local day of the schedule (0 = Sunday 22 Nov). */
function pick(all: Shift[], agent: number, day: number): Shift {
  const agents = [...new Set(all.map((s) => s.agentId))].sort();
  const date = new Date(Date.UTC(2026, 10, 22 + day)).toISOString().slice(0, 10);
  const found = all.find(
    (s) =>
      s.agentId === agents[agent] &&
      new Date(parseInstant(s.start) + 8 * 3_600_000).toISOString().slice(0, 10) === date,
  );
  if (!found) throw new Error(`no shift for agent ${agent} on day ${day}`);
  return found;
}

const later = (s: Shift, minutes: number) => toWire(parseInstant(s.end) + minutes * MIN);

describe.each([contract, genesysCloud])('the writer over the WFM port: $name', (backend) => {
  it('applies a target state once and the WFM reads it back', async () => {
    const h = await backend.start();
    const shift = pick(await h.all(), 0, 3);
    const outcome = await h.writer.submit(update(shift, { kind: 'set-end', end: later(shift, 30) }));
    expect(outcome.status).toBe('applied');
    expect((await h.adapter.getShift(shift.id)).end).toBe(later(shift, 30));
    expect(await h.ourWrites()).toBe(1);
  });

  it('re-applies the target state to the fresh copy after a version conflict, keeping the other change', async () => {
    const h = await backend.start();
    const all = await h.all();
    h.writer.remember(all);
    const shift = pick(all, 1, 3);
    await h.otherIntegration(shift);
    const outcome = await h.writer.submit(update(shift, { kind: 'set-end', end: later(shift, 45) }));
    expect(outcome).toMatchObject({ status: 'applied', firstAttemptStale: true });
    const now = await h.adapter.getShift(shift.id);
    expect(now.end).toBe(later(shift, 45));
    expect(now.activities.some((a) => a.type === 'meeting')).toBe(true);
    expect(now.activities.some((a) => a.type === 'break')).toBe(false);
  });

  it('records already-applied and writes nothing when the target state is already true', async () => {
    const h = await backend.start();
    const shift = pick(await h.all(), 2, 4);
    const outcome = await h.writer.submit(update(shift, { kind: 'set-end', end: shift.end }));
    expect(outcome.status).toBe('already-applied');
    expect(await h.ourWrites()).toBe(0);
  });

  it('swaps two shifts atomically: both change owner', async () => {
    const h = await backend.start();
    const all = await h.all();
    const a = pick(all, 0, 3);
    const b = pick(all, 2, 3);
    const outcome = await h.writer.submit(swap(a, b));
    expect(outcome.status).toBe('applied');
    const after = await h.all();
    const at = (s: Shift) =>
      after.find((x) => x.start === s.start && x.end === s.end && x.agentId !== s.agentId);
    expect(at(a)?.agentId).toBe(b.agentId);
    expect(at(b)?.agentId).toBe(a.agentId);
  });

  it('a restarted writer finds a swap of two teams already applied and writes nothing more', async () => {
    const h = await backend.start();
    const all = await h.all();
    const a = pick(all, 0, 3);
    const b = pick(all, 1, 3);
    expect(a.teamId).not.toBe(b.teamId);
    const adj = swap(a, b);
    const planned = {
      ...adj,
      a: { ...adj.a, start: a.start, end: a.end },
      b: { ...adj.b, start: b.start, end: b.end },
    };
    expect((await h.writer.submit(planned)).status).toBe('applied');
    const writes = await h.ourWrites();

    const restarted = await h.restart();
    const outcome = await restarted.writer.submit(planned);
    expect(outcome.status).toBe('already-applied');
    expect(await h.ourWrites()).toBe(writes);
  });

  it('a restarted writer applies a pending swap whose other side is in a team it has not read', async () => {
    const h = await backend.start();
    const all = await h.all();
    const a = pick(all, 0, 3);
    const b = pick(all, 1, 3);
    const adj = swap(a, b);
    const planned = {
      ...adj,
      a: { ...adj.a, start: a.start, end: a.end },
      b: { ...adj.b, start: b.start, end: b.end },
    };
    const restarted = await h.restart();
    const outcome = await restarted.writer.submit(planned);
    expect(outcome.status).toBe('applied');
    const after = await restarted.adapter.listShifts({ agentId: b.agentId, from: a.start, to: a.end });
    expect(after.some((s) => s.start === a.start && s.end === a.end)).toBe(true);
  });

  it('defers a write into the week being published until the window closes, then applies it once', async () => {
    const h = await backend.start();
    const shift = pick(await h.all(), 0, 8);
    expect(shift.week).toBe(PUBLISHED_WEEK);
    await h.setTime(WINDOW_OPENS + MIN);
    const result = h.writer.submit(update(shift, { kind: 'set-end', end: later(shift, 30) }));
    await until(() => h.sink.records.some((r) => r.status === 'deferred'), 'the deferral');
    expect(await h.ourWrites()).toBe(0);
    await h.advance(WINDOW_MINUTES * MIN);
    const outcome = await result;
    expect(outcome).toMatchObject({ status: 'applied' });
    expect(outcome.deferrals).toBeGreaterThanOrEqual(1);
    expect((await h.adapter.getShift(shift.id)).end).toBe(later(shift, 30));
    expect(await h.ourWrites()).toBe(1);
  });

  it('defers through a reschedule run in progress, then applies once it ends', async (ctx) => {
    const h = await backend.start();
    if (!h.rescheduleRun) return ctx.skip(); // the seed contract has no reschedule runs
    const shift = pick(await h.all(), 0, 3);
    const run = await h.rescheduleRun();
    const result = h.writer.submit(update(shift, { kind: 'set-end', end: later(shift, 30) }));
    await until(() => h.sink.records.some((r) => r.status === 'deferred'), 'the deferral');
    expect(await h.ourWrites()).toBe(0);
    await run.end();
    await h.advance(5 * MIN);
    const outcome = await result;
    expect(outcome.status).toBe('applied');
    expect(await h.ourWrites()).toBe(1);
  });

  it('gives one terminal outcome per adjustment and applies each once while answers are lost after writes landed', async () => {
    const h = await backend.start();
    const all = await h.all();
    h.writer.remember(all);
    await h.faults({ errorAfterWriteRate: 0.4, seed: 11 });
    const agents = [...new Set(all.map((s) => s.agentId))];
    const shifts = agents.map((_, i) => pick(all, i, 3));
    const adjustments = shifts.map((s) => update(s, { kind: 'set-end', end: later(s, 30) }));
    const outcomes = await Promise.all(adjustments.map((a) => h.writer.submit(a)));
    await h.faults({ errorAfterWriteRate: 0 });
    expect(outcomes.map((o) => o.status).every((s) => s === 'applied')).toBe(true);
    expect(new Set(h.sink.terminal().map((o) => o.key)).size).toBe(adjustments.length);
    expect(h.sink.terminal()).toHaveLength(adjustments.length);
    const after = await h.all();
    for (const s of shifts) expect(after.find((x) => x.id === s.id)?.end).toBe(later(s, 30));
    // Genesys counts one write per agent schedule changed; the contract one per shift: one each here.
    expect(await h.ourWrites()).toBe(adjustments.length);
  });
});
