import { createHash } from 'node:crypto';

/**
 * The idempotency key of an adjustment: a pure function of (rule id, trigger, subject,
 * action), so replaying the same events yields the same keys, and one key is reused on
 * every retry and after a restart (as stripe-node reuses one key across retries).
 *
 * The parts are hashed as a JSON array, which cannot be ambiguous the way "a|b" + "c"
 * vs "a" + "b|c" would be. The `v1` tag lets the scheme change without colliding with
 * keys already stored by the WFM (they live 24 hours there).
 *
 * Callers pass canonical strings: the trigger as the event time on the wire (UTC `Z`,
 * see time/instant.ts `toWire`), the subject as the shift or agent id(s).
 */
export function deriveIdempotencyKey(
  ruleId: string,
  trigger: string,
  subject: string,
  action: string,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['trunk-reactor/v1', ruleId, trigger, subject, action]))
    .digest('base64url');
  return `tr-${digest}`;
}

/** What every key this module makes looks like: `tr-` and 43 base64url characters (256 bits). */
export const IDEMPOTENCY_KEY_FORMAT = /^tr-[A-Za-z0-9_-]{43}$/;

/**
 * The key of one bulk-swap request, derived from its exact body and how many answers each
 * of its swaps had before (swap-batcher.ts, `submit`). Retrying the same request reuses the
 * key (the WFM replays its answer); a re-formed batch, or a swap sent again after a definite
 * answer, is a different request and gets a different key. Exactly-once per swap does not rest on this key but on each
 * item's versions: an item that already applied fails its version check when re-sent,
 * and the writer then finds it already true on a fresh read.
 */
export function swapBatchKey(canonicalBody: string): string {
  return `tr-swaps-${createHash('sha256').update(canonicalBody).digest('base64url')}`;
}
