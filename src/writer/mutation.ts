import type { ShiftMutation } from '../planner/adjustment.js';
import { parseInstant, toWire } from '../time/instant.js';
import { formatLocal, formatLocalSpan } from '../time/local-format.js';
import type { Activity, Shift } from '../wfm/contract.js';
import { convertToOnQueue, fromBlocks, hasTypeIn, reboundBlocks, toBlocks } from './activities.js';

/**
 * What a target-state mutation asks of one concrete shift. Pure: the same shift and
 * mutation always give the same plan, so a write re-based on a fresh version carries
 * the intent, not the stale copy's other fields, and a retry of an unchanged shift
 * sends a byte-identical body (which the WFM's idempotency store recognises).
 */
export type MutationPlan =
  | { kind: 'satisfied' }
  | { kind: 'write'; fields: { start?: string; end?: string; activities: Activity[] } }
  | { kind: 'impossible'; reason: string };

/** `zone`: the business unit's, which an impossible plan's reason tells its times in. */
export function planMutation(shift: Shift, mutation: ShiftMutation, zone = 'UTC'): MutationPlan {
  const start = parseInstant(shift.start);
  const end = parseInstant(shift.end);
  const blocks = toBlocks(shift.activities);
  switch (mutation.kind) {
    case 'set-end': {
      const target = parseInstant(mutation.end);
      if (target === end) return { kind: 'satisfied' };
      if (target <= start) {
        return {
          kind: 'impossible',
          reason: `shift '${shift.id}' starts at ${formatLocal(start, zone)}; it cannot end at ${formatLocal(target, zone)}`,
        };
      }
      return {
        kind: 'write',
        fields: { end: toWire(target), activities: fromBlocks(reboundBlocks(blocks, start, target)) },
      };
    }
    case 'set-start': {
      const target = parseInstant(mutation.start);
      if (target === start) return { kind: 'satisfied' };
      if (target >= end) {
        return {
          kind: 'impossible',
          reason: `shift '${shift.id}' ends at ${formatLocal(end, zone)}; it cannot start at ${formatLocal(target, zone)}`,
        };
      }
      return {
        kind: 'write',
        fields: { start: toWire(target), activities: fromBlocks(reboundBlocks(blocks, target, end)) },
      };
    }
    case 'activities-to-on-queue': {
      const from = parseInstant(mutation.from);
      const to = parseInstant(mutation.to);
      if (!(to > from)) {
        return { kind: 'impossible', reason: `the window ${formatLocalSpan(from, to, zone)} is empty` };
      }
      // Nothing of those types left in the window (or the window is outside the shift): the intent holds.
      if (!hasTypeIn(blocks, from, to, mutation.types)) return { kind: 'satisfied' };
      return {
        kind: 'write',
        fields: { activities: fromBlocks(convertToOnQueue(blocks, from, to, mutation.types)) },
      };
    }
  }
}

/** The shift as it would be after the write: for overlap diagnosis and for tests. */
export function projectedBounds(shift: Shift, plan: MutationPlan): { start: number; end: number } {
  const fields: { start?: string; end?: string } = plan.kind === 'write' ? plan.fields : {};
  return {
    start: parseInstant(fields.start ?? shift.start),
    end: parseInstant(fields.end ?? shift.end),
  };
}
