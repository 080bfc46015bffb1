import { DateTime } from 'luxon';
import { afterEach } from 'vitest';
import { generateSchedule } from '../../../src/sandbox/generate.js';
import type { SandboxOptions } from '../../../src/sandbox/options.js';
import { type RunningSandbox, startSandbox } from '../../../src/sandbox/server.js';
import { parseInstant, toWire } from '../../../src/time/instant.js';
import type { Shift } from '../../../src/wfm/contract.js';
import {
  WfmHttpClient,
  type WfmHttpClientOptions,
  type WfmRequestEvent,
} from '../../../src/wfm/http-client.js';
import type { ScheduleSnapshot } from '../../../src/wfm/snapshot.js';
import { MemoryOutcomeSink } from '../../../src/writer/outcome.js';
import { Writer } from '../../../src/writer/writer.js';
import type { WriterOptions } from '../../../src/writer/writer-options.js';
import { JumpClock } from './jump-clock.js';
import { SandboxAdmin } from './sandbox-admin.js';

/** Wednesday 2026-11-25 10:00 SGT, inside the schedule week that starts Sunday 2026-11-22. */
export const WEDNESDAY = parseInstant('2026-11-25T10:00:00+08:00');
/** The next publish window opens Sunday 2026-11-29 02:00 SGT (Saturday 18:00 UTC) and publishes the week starting that Sunday. */
export const WINDOW_OPENS = parseInstant('2026-11-29T02:00:00+08:00');
export const WINDOW_MINUTES = 30;
export const PUBLISHED_WEEK = '2026-11-29';

export function schedule(agents = 8, days = 14): ScheduleSnapshot {
  return generateSchedule({
    agents,
    teams: 2,
    zone: 'Asia/Singapore',
    weekStart: '2026-11-22',
    days,
    seed: 7,
  });
}

/** The shift of agent number `agent` on local day `day` (0 = Sunday 2026-11-22). */
export function shiftOf(snapshot: ScheduleSnapshot, agent: number, day: number): Shift {
  const agentId = `agent-${10_400 + agent}`;
  const date = DateTime.fromISO('2026-11-22').plus({ days: day }).toFormat('yyyyLLdd');
  const id = `shift-${agentId.slice(6)}-${date}`;
  const s = snapshot.shifts.find((x) => x.id === id);
  if (!s) throw new Error(`no shift ${id} in the test schedule`);
  return s;
}

export interface Fixture {
  sandbox: RunningSandbox;
  admin: SandboxAdmin;
  client: WfmHttpClient;
  writer: Writer;
  sink: MemoryOutcomeSink;
  clock: JumpClock;
  snapshot: ScheduleSnapshot;
  /** every request the writer's client made */
  calls: WfmRequestEvent[];
  /** moves the sandbox's virtual clock and the writer's clock to `ms` together */
  setTime(ms: number): Promise<void>;
  /** moves both clocks forward by `ms` */
  advanceTime(ms: number): Promise<void>;
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

export interface FixtureOptions {
  snapshot?: ScheduleSnapshot;
  sandbox?: Partial<SandboxOptions>;
  client?: Partial<WfmHttpClientOptions>;
  writer?: Partial<WriterOptions>;
  /** fill the writer's cache with the whole schedule first (default true) */
  warm?: boolean;
}

/**
 * A sandbox on a free port (virtual clock frozen on WEDNESDAY, no rate limit unless asked),
 * a WfmHttpClient and a Writer on a JumpClock, an in-memory outcome sink.
 */
export async function fixture(options: FixtureOptions = {}): Promise<Fixture> {
  const snapshot = options.snapshot ?? schedule();
  const sandbox = await startSandbox({
    port: 0,
    snapshot,
    clockStart: WEDNESDAY,
    clockFrozen: true,
    ...options.sandbox,
    behaviour: { rateLimitPerMinute: 0, ...options.sandbox?.behaviour },
  });
  // The writer's clock starts where the sandbox's does, so absolute instants from the WFM
  // (lockedUntil) mean the same to both; tests move both together (setTime, advanceTime).
  const clock = new JumpClock(options.sandbox?.clockStart ?? WEDNESDAY);
  const calls: WfmRequestEvent[] = [];
  const client = new WfmHttpClient({
    baseUrl: sandbox.baseUrl,
    token: 'sandbox-token',
    clock,
    onRequest: (e) => calls.push(e),
    ...options.client,
  });
  const sink = new MemoryOutcomeSink();
  const writer = new Writer({
    adapter: client,
    clock,
    sink,
    random: () => 0.5,
    businessUnit: { timeZone: 'Asia/Singapore' },
    ...options.writer,
  });
  open.push(async () => {
    await writer.close().catch(() => {});
    await client.close();
    await sandbox.close();
  });
  if (options.warm ?? true) await writer.warm({});
  calls.length = 0;
  const admin = new SandboxAdmin(sandbox.url);
  return {
    sandbox,
    admin,
    client,
    writer,
    sink,
    clock,
    snapshot,
    calls,
    setTime: async (ms) => {
      await admin.clock({ now: toWire(ms) });
      clock.advance(ms - clock.now());
    },
    advanceTime: async (ms) => {
      await admin.clock({ advanceMs: ms });
      clock.advance(ms);
    },
  };
}

/** Resolves on the next turns of the event loop; lets a test observe that a promise is still pending. */
export async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export function pending<T>(p: Promise<T>): { done: boolean; value?: T } {
  const state: { done: boolean; value?: T } = { done: false };
  p.then(
    (v) => {
      state.done = true;
      state.value = v;
    },
    () => {
      state.done = true;
    },
  );
  return state;
}

/** The schedule plus one short extra shift for an agent: something for an extension to run into. */
export function withExtraShift(
  snapshot: ScheduleSnapshot,
  agent: number,
  start: string,
  end: string,
  id = 'shift-extra',
): ScheduleSnapshot {
  const agentId = `agent-${10_400 + agent}`;
  const teamId = snapshot.agents.find((a) => a.id === agentId)!.teamId;
  const extra: Shift = {
    id,
    agentId,
    teamId,
    start,
    end,
    activities: [{ type: 'on-queue', start, end }],
    version: 1,
    week: '',
    updatedAt: start,
    updatedBy: 'test',
  };
  return { ...snapshot, shifts: [...snapshot.shifts, extra] };
}

/** A PATCH by "another integration" (its own token), straight over HTTP. */
export async function otherIntegrationPatch(
  url: string,
  shiftId: string,
  body: Record<string, unknown>,
): Promise<Shift> {
  const res = await fetch(`${url}/wfm/api/v2/schedules/shifts/${shiftId}`, {
    method: 'PATCH',
    headers: { authorization: 'Bearer other-integration-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`other integration PATCH answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Shift;
}

export const TOKENS = ['sandbox-token', 'other-integration-token'];

/** Waits until `predicate` holds (polling), so tests wait for a state, never for a fixed time. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  what = 'condition',
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
