import type { Intent } from '../rules/intent.js';

/**
 * An intent as the rules stage writes it to the intents topic for the planning stage:
 * `{format, source, intent}` as JSON. `source` is where it was made — the rules stage's
 * input topic and partition, the offset of the message whose processing made it and its
 * index among that message's intents — which the planning stage uses to drop repeats
 * (intent-sink.ts). Everything in an intent is JSON data (numbers, strings, arrays); a
 * non-finite number (an empty window's aggregate in the evidence) is written as null, the
 * same in every run.
 */
export const INTENT_RECORD_FORMAT = 'trunk-reactor/intent@1';

export interface IntentSource {
  topic: string;
  partition: number;
  /** the input message's offset (a decimal string, as Kafka offsets are) */
  offset: string;
  /** 0, 1, … among the intents that message made */
  index: number;
}

export function encodeIntent(intent: Intent, source: IntentSource): string {
  return JSON.stringify({ format: INTENT_RECORD_FORMAT, source, intent });
}

export type DecodedIntent =
  | { ok: true; intent: Intent; source: IntentSource }
  | { ok: false; message: string };

/** Reads an intent record; a record that is not one is refused with the reason (dead-lettered). */
export function decodeIntent(value: Buffer | null): DecodedIntent {
  if (!value) return { ok: false, message: 'empty intent record' };
  let r: { format?: unknown; intent?: Partial<Intent>; source?: Partial<IntentSource> };
  try {
    r = JSON.parse(value.toString('utf8')) as typeof r;
  } catch {
    return { ok: false, message: 'the intent record is not JSON' };
  }
  if (r?.format !== INTENT_RECORD_FORMAT) {
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
  const src = r.source;
  if (
    typeof src?.topic !== 'string' ||
    typeof src.partition !== 'number' ||
    typeof src.offset !== 'string' ||
    !/^\d+$/.test(src.offset) ||
    typeof src.index !== 'number'
  ) {
    return { ok: false, message: 'the intent record lacks its source (topic, partition, offset, index)' };
  }
  return { ok: true, intent: i as Intent, source: src as IntentSource };
}
