import type { Intent } from '../rules/intent.js';

/**
 * An intent as the rules stage writes it to the intents topic for the planning stage:
 * `{format, intent}` as JSON, in the rules stage's transaction (rules-stage.ts). Everything
 * in an intent is JSON data (numbers, strings, arrays); a non-finite number (an empty
 * window's aggregate in the evidence) is written as null, the same in every run.
 */
export const INTENT_RECORD_FORMAT = 'trunk-reactor/intent@2';

/**
 * Format 1 also named where the intent was made (a `source`); such a record is read as an
 * intent, its source ignored.
 */
const READABLE_FORMATS: readonly unknown[] = [INTENT_RECORD_FORMAT, 'trunk-reactor/intent@1'];

export function encodeIntent(intent: Intent): string {
  return JSON.stringify({ format: INTENT_RECORD_FORMAT, intent });
}

export type DecodedIntent = { ok: true; intent: Intent } | { ok: false; message: string };

/** Reads an intent record; a record that is not one is refused with the reason (dead-lettered). */
export function decodeIntent(value: Buffer | null): DecodedIntent {
  if (!value) return { ok: false, message: 'empty intent record' };
  let r: { format?: unknown; intent?: Partial<Intent> };
  try {
    r = JSON.parse(value.toString('utf8')) as typeof r;
  } catch {
    return { ok: false, message: 'the intent record is not JSON' };
  }
  if (!READABLE_FORMATS.includes(r?.format)) {
    return {
      ok: false,
      message: `intent record format '${String(r?.format)}' is not ${INTENT_RECORD_FORMAT}`,
    };
  }
  const i = r.intent;
  if (
    !i ||
    typeof i.ruleId !== 'string' ||
    typeof i.eventTime !== 'number' ||
    typeof i.action?.team !== 'string' ||
    typeof i.action?.kind !== 'string' ||
    typeof i.guardrails !== 'object'
  ) {
    return { ok: false, message: 'the intent record lacks ruleId, eventTime, action or guardrails' };
  }
  return { ok: true, intent: i as Intent };
}
