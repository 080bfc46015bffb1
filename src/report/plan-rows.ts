import type { Adjustment } from '../planner/adjustment.js';
import type { DryRunReport } from '../planner/dry-run.js';
import type { Skip } from '../planner/resolve-intent.js';
import { formatLocal, formatLocalTime } from '../time/local-format.js';

/**
 * The plan as rows of text, one cell per column: what `plan` prints as a table and its
 * HTML report lists, so both say the same thing in the same words. Times are in the
 * business unit's `zone`; a row's time has UTC beside it, the changes' wall-clock times
 * are on that row's day.
 */

export const ADJUSTMENT_COLUMNS = ['when', 'rule', 'action', 'shift / agent', 'change', 'why'] as const;
export const SKIP_COLUMNS = ['when', 'rule', 'guardrail', 'detail'] as const;

/** "events: 2403 read, … · intents: 7 · adjustments: 13 · passed over: 3" */
export function planCounts(r: DryRunReport): string {
  const e = r.events;
  return `events: ${e.read} read, ${e.accepted} accepted, ${e.bad} bad, ${e.late} late, ${e.duplicates} duplicate · intents: ${r.intents} · adjustments: ${r.adjustments.length} · passed over: ${r.skipped.length}`;
}

export function adjustmentRow(a: Adjustment, zone: string): string[] {
  return [
    formatLocal(Date.parse(a.createdAt), zone),
    a.ruleId,
    a.action,
    subject(a),
    change(a, zone),
    why(a),
  ];
}

export function skipRow(s: Skip, zone: string): string[] {
  return [formatLocal(Date.parse(s.eventTime), zone), s.ruleId, s.guardrail, s.detail];
}

/** "sh-102-fri / a-102", or "sh-201-fri ⇄ sh-109-fri" for a swap. */
export function subject(a: Adjustment): string {
  return a.kind === 'swap' ? `${a.a.shiftId} ⇄ ${a.b.shiftId}` : `${a.shiftId} / ${a.agentId}`;
}

function change(a: Adjustment, zone: string): string {
  const hm = (iso: string) => formatLocalTime(Date.parse(iso), zone);
  if (a.kind === 'swap') return `${a.b.agentId} takes ${a.a.shiftId}; ${a.a.agentId} takes ${a.b.shiftId}`;
  const m = a.mutation;
  switch (m.kind) {
    case 'set-end':
      return `end → ${hm(m.end)}`;
    case 'set-start':
      return `start → ${hm(m.start)}`;
    case 'activities-to-on-queue':
      return `${m.types.join('/')} ${hm(m.from)}–${hm(m.to)} → on-queue`;
  }
}

function why(a: Adjustment): string {
  const r = a.reason;
  return `${r.aggregate} ${r.metric} ${r.value} vs ${r.threshold} over ${r.window} on ${r.scope.kind} ${r.scope.value}`;
}
