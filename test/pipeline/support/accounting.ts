import type { Kafka } from 'kafkajs';
import type { Config } from '../../../src/config/schema.js';
import type { LedgerEntry } from '../../writer/support/sandbox-admin.js';
import { appliedWrites, duplicates } from './harness.js';
import { readCommitted } from './topic-reader.js';

/**
 * What became of every adjustment of a run, from the three places that can say it: the
 * adjustments topic (what the rules stage planned), the outcomes and dead-letter topics
 * (what the writer reported), and the WFM sandbox's ledger (what the WFM really applied).
 *
 * - expected: adjustments planned — the keys on the adjustments topic, plus, when given,
 *   the keys of an uninterrupted reference run (so an adjustment the rules stage failed
 *   to emit counts as lost, not as never expected);
 * - applied: a write with its key in the ledger, or an `already-applied` outcome;
 * - dead-lettered: ever in the dead-letter topic (writer stage); still dead-lettered: not
 *   applied since (a redrive applies them);
 * - rejected: a `rejected` outcome (the WFM refused it for a reason retrying cannot fix);
 * - lost: expected and none of the above;
 * - applied twice: a ledger write repeated (same kind, shift and key).
 */
export interface Accounting {
  expected: number;
  applied: number;
  deadLettered: number;
  stillDeadLettered: number;
  rejected: number;
  lost: number;
  appliedTwice: number;
  /** the ledger equals the reference run's, write for write (undefined without a reference) */
  matchesReference: boolean | undefined;
  /** dead-letter error codes of adjustments (writer stage), for the reason column */
  deadLetterCodes: Record<string, number>;
  /** events the rules stage dead-lettered, by code: none in these runs, whose events are all valid */
  eventDeadLetters: Record<string, number>;
  lostKeys: string[];
}

export async function account(o: {
  kafka: Kafka;
  config: Config;
  ledger: readonly LedgerEntry[];
  reference?: readonly string[];
}): Promise<Accounting> {
  const t = o.config.kafka.topics;
  const [adjustments, outcomes, deadLetters] = await Promise.all([
    readCommitted(o.kafka, t.adjustments),
    readCommitted(o.kafka, t.outcomes),
    readCommitted(o.kafka, t.deadLetter),
  ]);
  const writes = appliedWrites(o.ledger);
  const expected = new Set<string>();
  for (const r of adjustments) expected.add(keyOf(r.value));
  for (const w of o.reference ?? []) expected.add(w.split(' ')[2]!);
  expected.delete('');

  const applied = new Set(writes.map((w) => w.split(' ')[2]!));
  const rejected = new Set<string>();
  for (const r of outcomes) {
    const outcome = JSON.parse(r.value ?? '{}') as { key?: string; status?: string };
    if (outcome.status === 'already-applied') applied.add(outcome.key ?? '');
    if (outcome.status === 'rejected') rejected.add(outcome.key ?? '');
  }
  const dead = new Set<string>();
  const deadLetterCodes: Record<string, number> = {};
  const eventDeadLetters: Record<string, number> = {};
  for (const r of deadLetters) {
    const code = r.headers['tr-error-code'] ?? 'unknown';
    if (r.headers['tr-stage'] !== 'writer') {
      eventDeadLetters[code] = (eventDeadLetters[code] ?? 0) + 1;
      continue;
    }
    deadLetterCodes[code] = (deadLetterCodes[code] ?? 0) + 1;
    dead.add(keyOf(r.value));
  }
  const lostKeys = [...expected].filter((k) => !applied.has(k) && !dead.has(k) && !rejected.has(k));
  return {
    expected: expected.size,
    applied: [...expected].filter((k) => applied.has(k)).length,
    deadLettered: dead.size,
    stillDeadLettered: [...dead].filter((k) => !applied.has(k)).length,
    rejected: [...rejected].filter((k) => !applied.has(k)).length,
    lost: lostKeys.length,
    appliedTwice: duplicates(writes).length,
    matchesReference: o.reference ? sameList(writes, o.reference) : undefined,
    deadLetterCodes,
    eventDeadLetters,
    lostKeys,
  };
}

function keyOf(value: string | null): string {
  try {
    return String((JSON.parse(value ?? '{}') as { key?: unknown }).key ?? '');
  } catch {
    return '';
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
