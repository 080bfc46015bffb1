import type { Adjustment } from '../../src/planner/adjustment.js';
import type { GenesysLedgerEntry } from '../../src/sandbox/genesys-cloud/bu-schedules.js';
import type { GActivityCode } from '../../src/sandbox/genesys-cloud/model.js';
import { parseInstant, toWire } from '../../src/time/instant.js';
import type { ActivityType, Shift } from '../../src/wfm/contract.js';
import { planMutation } from '../../src/writer/mutation.js';

/**
 * What the emulated Genesys Cloud's ledger says became of each adjustment. An upload is one
 * `update` entry per agent schedule it changed, each listing the shifts that changed (edited,
 * added, deleted), so the reading is per adjustment, not per request:
 *
 * - an update is applied by the `update` entries that edited its shift from a state where its
 *   target was false to one where it is true; more than one such entry is "applied twice";
 * - a swap moves each shift to the other agent under a new id (a delete and an add in the
 *   agent's schedule): side A is an entry of agent A that added B's shift (same start and
 *   length), side B the reverse. It is applied when both sides are in one upload (one
 *   operationId), half applied when a side moved in an upload without the other, applied
 *   twice when its sides moved in more than one upload.
 */
export interface UploadVerdict {
  applied: boolean;
  /** uploads that applied it */
  writes: number;
  half: boolean;
}

/** Category → the project's activity type, as the seeded org files them (docs/wfm-genesys-cloud.md). */
const TYPE_OF_CATEGORY: Partial<Record<GActivityCode['category'], ActivityType>> = {
  OnQueueWork: 'on-queue',
  Break: 'break',
  Meal: 'meal',
  Training: 'training',
  Meeting: 'meeting',
  OffQueueWork: 'off-queue',
};

interface LedgerShift {
  id: string;
  startDate: string;
  lengthMinutes: number;
  activities: Array<{ startDate: string; lengthMinutes: number; activityCodeId: string }>;
}

export function judgeUploads(
  adjustments: readonly Adjustment[],
  ledger: readonly GenesysLedgerEntry[],
  o: {
    clientId: string;
    codes: readonly GActivityCode[];
    /** the shifts as the workload was built from them (ids, times) */
    shifts: ReadonlyMap<string, Shift>;
  },
): Map<string, UploadVerdict> {
  const typeOf = new Map(
    o.codes.map((c) => [
      c.id,
      c.name === 'Coaching' ? 'coaching' : (TYPE_OF_CATEGORY[c.category] ?? ('off-queue' as ActivityType)),
    ]),
  );
  const asShift = (g: LedgerShift, agentId: string): Shift => {
    const start = parseInstant(g.startDate);
    return {
      id: g.id,
      agentId,
      teamId: '',
      start: toWire(start),
      end: toWire(start + g.lengthMinutes * 60_000),
      activities: g.activities.map((a) => {
        const s = parseInstant(a.startDate);
        return {
          type: typeOf.get(a.activityCodeId)!,
          start: toWire(s),
          end: toWire(s + a.lengthMinutes * 60_000),
        };
      }),
      version: 0,
      week: '',
      updatedAt: toWire(start),
      updatedBy: '',
    };
  };
  const ours = ledger.filter((e) => e.kind === 'update' && e.clientId === o.clientId);
  const byShift = new Map<
    string,
    Array<{ entry: GenesysLedgerEntry; before: LedgerShift; after: LedgerShift }>
  >();
  const byUser = new Map<string, GenesysLedgerEntry[]>();
  for (const e of ours) {
    byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
    for (const c of e.shifts) {
      if (c.change !== 'edited' || !c.before || !c.after) continue;
      const list = byShift.get(c.shiftId) ?? [];
      list.push({
        entry: e,
        before: c.before as unknown as LedgerShift,
        after: c.after as unknown as LedgerShift,
      });
      byShift.set(c.shiftId, list);
    }
  }
  /** operationIds of the uploads in which `agentId` gained a copy of `shift` */
  const gained = (agentId: string, shift: Shift): Set<string> => {
    const start = parseInstant(shift.start);
    const minutes = (parseInstant(shift.end) - start) / 60_000;
    const ops = new Set<string>();
    for (const e of byUser.get(agentId) ?? []) {
      const added = e.shifts.some((c) => {
        const after = c.after as unknown as LedgerShift | null;
        return (
          c.change === 'added' &&
          after !== null &&
          parseInstant(after.startDate) === start &&
          after.lengthMinutes === minutes
        );
      });
      if (added) ops.add(e.operationId ?? `seq-${e.seq}`);
    }
    return ops;
  };

  const out = new Map<string, UploadVerdict>();
  for (const a of adjustments) {
    if (a.kind === 'update') {
      const writes = (byShift.get(a.shiftId) ?? []).filter(
        ({ before, after }) =>
          planMutation(asShift(after, a.agentId), a.mutation).kind === 'satisfied' &&
          planMutation(asShift(before, a.agentId), a.mutation).kind !== 'satisfied',
      ).length;
      out.set(a.key, { applied: writes > 0, writes, half: false });
      continue;
    }
    const sa = o.shifts.get(a.a.shiftId)!;
    const sb = o.shifts.get(a.b.shiftId)!;
    const sideA = gained(a.a.agentId, sb);
    const sideB = gained(a.b.agentId, sa);
    const both = [...sideA].filter((op) => sideB.has(op));
    const all = new Set([...sideA, ...sideB]);
    out.set(a.key, {
      applied: both.length > 0,
      writes: all.size,
      half: all.size > both.length,
    });
  }
  return out;
}

/** The most timestamps (milliseconds, any order) that fall in one window of `windowMs`, sliding. */
export function peakInWindow(times: readonly number[], windowMs = 60_000): number {
  const sorted = [...times].sort((x, y) => x - y);
  let peak = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= windowMs) from++;
    peak = Math.max(peak, to - from + 1);
  }
  return peak;
}
