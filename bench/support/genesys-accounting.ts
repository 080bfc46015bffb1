import type { Kafka } from 'kafkajs';
import type { Config } from '../../src/config/schema.js';
import { type Adjustment, Adjustment as AdjustmentSchema } from '../../src/planner/adjustment.js';
import type { GenesysLedgerEntry } from '../../src/sandbox/genesys-cloud/bu-schedules.js';
import type { GenesysState } from '../../src/sandbox/genesys-cloud/model.js';
import { parseInstant } from '../../src/time/instant.js';
import { readCommitted } from '../../test/pipeline/support/topic-reader.js';

/**
 * What became of every adjustment of a Genesys run. Genesys keeps no idempotency key, so the
 * ledger cannot name the adjustment behind a write; each one is accounted for instead from:
 *
 * - the adjustments topic: what the rules stage planned (with an uninterrupted run's keys:
 *   an adjustment the faulted run failed to plan counts as lost, not as never expected);
 * - the outcomes topic: lost = expected without a terminal outcome (applied, already-applied,
 *   rejected, dead-lettered);
 * - the ledger's `update` entries (the client's uploads, one per agent schedule changed, each
 *   shift with `before` and `after`): applied twice = more uploads wrote an adjustment's target
 *   than adjustments asked for it. The target of a set-end is the shift's end (an entry whose
 *   before and after ends differ writes it), of a set-start its start, of activities-to-on-queue
 *   its activities inside the adjustment's range, and of a swap each agent receiving the other's
 *   shift (an `added` shift with the other shift's start and end: a swap re-creates both shifts
 *   under new ids). A change applied twice — an upload repeated after a lost answer, or a target
 *   written again over a stale copy — writes a target twice;
 * - outcome and ledger together: an outcome contradicts the ledger when it says `applied` and
 *   no upload wrote a target of the adjustment, or `rejected` / `dead-lettered` and one did (a
 *   consumer of the outcomes would re-plan a change that is in place);
 * - the org's final state: every agent's shifts as (start, end, activities by category), per
 *   schedule, compared with the uninterrupted run's. Shift ids are left out: a swap gives the
 *   shifts new ids that differ from run to run.
 */
export interface GenesysAccounting {
  expected: number;
  applied: number;
  alreadyApplied: number;
  deadLettered: number;
  rejected: number;
  lost: number;
  appliedTwice: number;
  /** every agent's final shifts equal the uninterrupted run's (undefined without a reference) */
  stateMatchesReference: boolean | undefined;
  /** schedule|agent keys whose final shifts differ from the reference */
  stateDiff: string[];
  deadLetterCodes: Record<string, number>;
  lostKeys: string[];
  twiceKeys: string[];
  /**
   * adjustments whose terminal outcome contradicts the ledger: `applied` with none of its
   * targets written, or `rejected` / `dead-lettered` with one written (with the outcome's reason)
   */
  misreported: string[];
  /** the other rejected or dead-lettered adjustments, with the outcome's reason */
  refused: string[];
  /** the client's `update` ledger entries (agent schedules changed by an upload) */
  updateEntries: number;
}

/** What an uninterrupted run leaves, for the faulted runs to be compared with. */
export interface GenesysReference {
  keys: string[];
  state: Map<string, string>;
  updateEntries: number;
}

const TERMINAL = new Set(['applied', 'already-applied', 'rejected', 'dead-lettered']);

/** The adjustments planned (keys) and those with a terminal outcome (key → status). */
export async function terminalKeys(
  kafka: Kafka,
  config: Config,
): Promise<{
  planned: Set<string>;
  terminal: Map<string, string>;
  /** the reason of a rejected or dead-lettered outcome */
  reasons: Map<string, string>;
  adjustments: Adjustment[];
}> {
  const t = config.kafka.topics;
  const [adjustments, outcomes] = await Promise.all([
    readCommitted(kafka, t.adjustments),
    readCommitted(kafka, t.outcomes),
  ]);
  const byKey = new Map<string, Adjustment>();
  for (const r of adjustments) {
    const parsed = AdjustmentSchema.safeParse(JSON.parse(r.value ?? 'null'));
    if (parsed.success) byKey.set(parsed.data.key, parsed.data);
  }
  const terminal = new Map<string, string>();
  const reasons = new Map<string, string>();
  for (const r of outcomes) {
    const o = JSON.parse(r.value ?? '{}') as {
      key?: string;
      status?: string;
      reason?: { code: string; message: string };
    };
    if (!o.key || !o.status || !TERMINAL.has(o.status) || terminal.has(o.key)) continue;
    terminal.set(o.key, o.status);
    if (o.reason) reasons.set(o.key, `${o.reason.code}: ${o.reason.message}`);
  }
  return { planned: new Set(byKey.keys()), terminal, reasons, adjustments: [...byKey.values()] };
}

export async function accountGenesys(o: {
  kafka: Kafka;
  config: Config;
  ledger: readonly GenesysLedgerEntry[];
  state: GenesysState;
  initial: GenesysState;
  reference?: GenesysReference;
}): Promise<GenesysAccounting> {
  const { planned, terminal, reasons, adjustments } = await terminalKeys(o.kafka, o.config);
  const deadLetters = await readCommitted(o.kafka, o.config.kafka.topics.deadLetter);
  const deadLetterCodes: Record<string, number> = {};
  for (const r of deadLetters) {
    if (r.headers['tr-stage'] !== 'writer') continue;
    const code = r.headers['tr-error-code'] ?? 'unknown';
    deadLetterCodes[code] = (deadLetterCodes[code] ?? 0) + 1;
  }
  const expected = new Set([...planned, ...(o.reference?.keys ?? [])]);
  const status = (s: string) => [...expected].filter((k) => terminal.get(k) === s).length;
  const lostKeys = [...expected].filter((k) => !terminal.has(k));
  const updates = o.ledger.filter((e) => e.kind === 'update');
  const written = writtenTargets(adjustments, updates, o.initial);
  const twice = [...written].filter(([, w]) => w.twice).map(([k]) => k);
  // The outcome must say what the ledger shows: applied by this writer ⇒ a target written;
  // rejected or dead-lettered ⇒ none written.
  const withReason = (k: string) => `${k} ${terminal.get(k)}${reasons.has(k) ? ` (${reasons.get(k)})` : ''}`;
  const misreported = [...expected].filter((k) => {
    const s = terminal.get(k);
    const w = written.get(k)?.written ?? false;
    return (s === 'applied' && !w) || ((s === 'rejected' || s === 'dead-lettered') && w);
  });
  const state = finalShifts(o.state);
  const stateDiff = o.reference ? differing(state, o.reference.state) : [];
  return {
    expected: expected.size,
    applied: status('applied'),
    alreadyApplied: status('already-applied'),
    deadLettered: status('dead-lettered'),
    rejected: status('rejected'),
    lost: lostKeys.length,
    appliedTwice: twice.length,
    stateMatchesReference: o.reference ? stateDiff.length === 0 : undefined,
    stateDiff,
    deadLetterCodes,
    lostKeys,
    twiceKeys: twice,
    misreported: misreported.map(withReason),
    refused: [...expected]
      .filter(
        (k) =>
          (terminal.get(k) === 'rejected' || terminal.get(k) === 'dead-lettered') && !misreported.includes(k),
      )
      .map(withReason),
    updateEntries: updates.length,
  };
}

type LedgerShift = GenesysLedgerEntry['shifts'][number]['before'];

interface Times {
  start: number;
  end: number;
}

const ms = (v: unknown): number => (typeof v === 'number' ? v : Date.parse(String(v)));

function timesOf(s: NonNullable<LedgerShift> | { startDate: unknown; lengthMinutes: unknown }): Times {
  const start = ms(s.startDate);
  return { start, end: start + Number(s.lengthMinutes) * 60_000 };
}

/** The activities overlapping [from, to), clipped to it: `start-end code` each. */
function activitiesWithin(s: NonNullable<LedgerShift>, from: number, to: number): string {
  const acts =
    (s.activities as Array<{ startDate: unknown; lengthMinutes: unknown; activityCodeId: string }>) ?? [];
  return acts
    .map((a) => ({ ...timesOf(a), code: a.activityCodeId }))
    .filter((a) => a.start < to && from < a.end)
    .map((a) => `${Math.max(a.start, from)}-${Math.min(a.end, to)} ${a.code}`)
    .join(',');
}

/** What the ledger shows of one adjustment: whether an upload wrote its target, and whether more than asked. */
interface Written {
  written: boolean;
  /** more uploads wrote one of its targets than adjustments asked for it */
  twice: boolean;
}

/**
 * Each adjustment's targets, and how many `update` entries wrote each (several adjustments may
 * share a target, so a target is written twice when more entries wrote it than adjustments
 * asked for it; none shares one in these runs).
 */
function writtenTargets(
  adjustments: readonly Adjustment[],
  updates: readonly GenesysLedgerEntry[],
  initial: GenesysState,
): Map<string, Written> {
  // Where each shift id was first seen: the seeded org, or the upload that added it.
  const seen = new Map<string, Times>();
  for (const schedule of initial.schedules)
    for (const agent of Object.values(schedule.agents))
      for (const s of agent.shifts) seen.set(s.id, timesOf(s));
  for (const e of updates)
    for (const c of e.shifts) if (c.after && !seen.has(c.shiftId)) seen.set(c.shiftId, timesOf(c.after));

  const targetsOf = new Map<string, string[]>();
  const asks = new Map<string, number>();
  for (const a of adjustments) {
    const targets: string[] = [];
    if (a.kind === 'update') {
      const m = a.mutation;
      targets.push(
        m.kind === 'set-end'
          ? `end ${a.shiftId}`
          : m.kind === 'set-start'
            ? `start ${a.shiftId}`
            : `activities ${a.shiftId} ${parseInstant(m.from)}-${parseInstant(m.to)}`,
      );
    } else {
      const ta = seen.get(a.a.shiftId);
      const tb = seen.get(a.b.shiftId);
      if (ta) targets.push(`receives ${a.b.agentId} ${ta.start}-${ta.end}`);
      if (tb) targets.push(`receives ${a.a.agentId} ${tb.start}-${tb.end}`);
    }
    targetsOf.set(a.key, targets);
    for (const t of targets) asks.set(t, (asks.get(t) ?? 0) + 1);
  }
  const writes = new Map<string, number>();
  for (const target of asks.keys()) writes.set(target, updates.filter((e) => wroteTarget(e, target)).length);
  const out = new Map<string, Written>();
  for (const [key, targets] of targetsOf) {
    out.set(key, {
      written: targets.some((t) => (writes.get(t) ?? 0) > 0),
      twice: targets.some((t) => (writes.get(t) ?? 0) > (asks.get(t) ?? 0)),
    });
  }
  return out;
}

/** Whether one ledger entry wrote a target. */
function wroteTarget(e: GenesysLedgerEntry, target: string): boolean {
  const [what, id, range] = target.split(' ') as [string, string, string | undefined];
  const [from, to] = range ? range.split('-').map(Number) : [0, 0];
  return e.shifts.some((c) => {
    if (what === 'receives')
      return (
        e.userId === id && c.change === 'added' && c.after !== null && sameTimes(timesOf(c.after), from!, to!)
      );
    if (c.shiftId !== id || c.change !== 'edited' || !c.before || !c.after) return false;
    const b = timesOf(c.before);
    const f = timesOf(c.after);
    if (what === 'end') return b.end !== f.end;
    if (what === 'start') return b.start !== f.start;
    return activitiesWithin(c.before, from!, to!) !== activitiesWithin(c.after, from!, to!);
  });
}

function sameTimes(t: Times, start: number, end: number): boolean {
  return t.start === start && t.end === end;
}

/** schedule|agent → the agent's shifts as `start-end [activity start-end category…]`, sorted; ids left out. */
export function finalShifts(state: GenesysState): Map<string, string> {
  const category = new Map(
    state.activityCodes.map((c) => [c.id, `${c.category}${c.name ? `:${c.name}` : ''}`]),
  );
  const out = new Map<string, string>();
  for (const schedule of state.schedules) {
    for (const agent of Object.values(schedule.agents)) {
      const shifts = agent.shifts
        .map((s) => {
          const t = timesOf(s);
          const acts = s.activities
            .map((a) => {
              const at = timesOf(a);
              return `${iso(at.start)}-${iso(at.end)} ${category.get(a.activityCodeId) ?? a.activityCodeId}`;
            })
            .join(', ');
          return `${iso(t.start)}-${iso(t.end)} [${acts}]`;
        })
        .sort();
      out.set(`${schedule.id}|${agent.userId}`, shifts.join('; '));
    }
  }
  return out;
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 16);
}

function differing(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}
