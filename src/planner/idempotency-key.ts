import { createHash } from 'node:crypto';

/**
 * The idempotency key of an adjustment: a digest of what decided it — rule, scope,
 * the trigger's event time and repeat number, the action and the shifts it touches.
 * Replaying the same events gives the same keys; the writer reuses a key on every retry.
 *
 * The target value (the new end, say) is deliberately not part of the key. Were the same
 * decision re-planned against a schedule that already shows it applied, the target would
 * come out different ("end + 30m" once more); with the same key the WFM refuses the
 * second, different body (422) instead of extending the shift twice.
 */
export function idempotencyKey(parts: {
  ruleId: string;
  scope: string;
  eventTime: number;
  repeat: number;
  action: string;
  shiftIds: readonly string[];
}): string {
  const text = [
    parts.ruleId,
    parts.scope,
    String(parts.eventTime),
    String(parts.repeat),
    parts.action,
    ...parts.shiftIds,
  ].join('\u0000');
  return `tr1-${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
}
