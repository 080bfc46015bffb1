import { formatDuration } from '../rules/duration.js';
import type { Intent } from '../rules/intent.js';
import { OP_SYMBOL } from '../rules/predicate.js';
import { toWire } from '../time/instant.js';
import { formatLocal } from '../time/local-format.js';
import type { AdjustmentReason } from './adjustment.js';

/** Rounds for people and for stable JSON: four decimals is finer than any threshold. */
export function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** The part of every reason that says why the rule acted; its time in `zone`, the business unit's. */
export function triggerText(intent: Intent, zone: string): string {
  const e = intent.evidence;
  const forText = intent.forMs > 0 ? ` for ${formatDuration(intent.forMs)}` : '';
  return `${intent.ruleId}: ${e.aggregate} ${e.metric} ${round4(e.value)} ${OP_SYMBOL[e.op]} ${e.threshold} over ${e.window} on ${intent.scope.kind} ${intent.scope.value}${forText} at ${formatLocal(intent.eventTime, zone)}`;
}

/** The adjustment's reason: the evidence as fields (`eventTime` on the wire, UTC) and one sentence for people. */
export function reasonFor(intent: Intent, what: string, zone: string): AdjustmentReason {
  const e = intent.evidence;
  return {
    ruleId: intent.ruleId,
    scope: { kind: intent.scope.kind, value: intent.scope.value },
    metric: e.metric,
    aggregate: e.aggregate,
    value: round4(e.value),
    threshold: e.threshold,
    window: e.window,
    eventTime: toWire(intent.eventTime),
    text: `${triggerText(intent, zone)} → ${what}`,
  };
}
