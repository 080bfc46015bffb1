import { z } from 'zod';
import { Instant } from '../wfm/contract.js';

/**
 * One record per adjustment, handed to an OutcomeSink (the Kafka pipeline publishes it
 * to the outcomes topic; tests and benchmarks collect it).
 *
 * - `applied`: this writer's write made the shift what the adjustment asked;
 * - `already-applied`: a fresh read showed the target state already true, nothing written;
 * - `deferred`: not terminal — the week is locked by the publish window and the adjustment
 *   waits for it to close; a terminal record follows;
 * - `rejected`: the WFM or the writer refused it for a reason retrying cannot fix
 *   (true overlap, validation, not found, the shift changed owner): re-plan;
 * - `dead-lettered`: it could not be applied now (budget exhausted, key reused, bad
 *   credentials); kept with the reason, to be redriven with the same key.
 */
export const OutcomeStatus = z.enum(['applied', 'already-applied', 'deferred', 'rejected', 'dead-lettered']);
export type OutcomeStatus = z.infer<typeof OutcomeStatus>;

export const OutcomeReason = z.strictObject({
  /** a stable error code, TR_ERR_WFM_* or TR_ERR_WRITER_* */
  code: z.string(),
  /**
   * for people: the writer's own words tell times in the business unit's zone with UTC beside
   * them ("16:00–18:00 Mon 30 Nov +08:00 (08:00Z–10:00Z)"); a WFM's message is passed on as it
   * wrote it. The record's instant fields stay UTC.
   */
  message: z.string(),
  /** the code of the last WFM error behind it, when there was one */
  cause: z.string().optional(),
  /** for overlaps: the shift in the way */
  conflictingShiftId: z.string().optional(),
});
export type OutcomeReason = z.infer<typeof OutcomeReason>;

export const Outcome = z
  .strictObject({
    key: z.string(),
    kind: z.enum(['update', 'swap']),
    ruleId: z.string(),
    action: z.string(),
    status: OutcomeStatus,
    /** write attempts (PATCH or bulk-swap items sent) */
    attempts: z.number().int().nonnegative(),
    /** WFM calls made for this adjustment; a bulk request carrying n swaps counts 1/n for each */
    httpCalls: z.number().nonnegative(),
    /** 429 answers received on its behalf */
    rateLimited: z.number().int().nonnegative(),
    /** publish-window deferrals it went through */
    deferrals: z.number().int().nonnegative(),
    /** the first write met a version conflict (the schedule changed since it was read) */
    firstAttemptStale: z.boolean(),
    /** the versions the shifts ended at, when known */
    finalVersions: z.record(z.string(), z.number().int()),
    reason: OutcomeReason.optional(),
    /** for `deferred`: when the writer will try again */
    deferredUntil: Instant.optional(),
    startedAt: Instant,
    finishedAt: Instant,
    durationMs: z.number().nonnegative(),
  })
  .meta({ id: 'WriterOutcome', description: 'What became of one adjustment.' });
export type Outcome = z.infer<typeof Outcome>;

export function isTerminal(status: OutcomeStatus): boolean {
  return status !== 'deferred';
}

/**
 * Where outcome records go. `record` is awaited: an adjustment counts as done only when
 * its terminal record is stored. A `deferred` record is informational — a sink must not
 * acknowledge the adjustment upstream (commit its Kafka offset) on it, only on a terminal
 * one, so a restart during the publish window loses nothing.
 */
export interface OutcomeSink {
  record(outcome: Outcome): void | Promise<void>;
}

/** Keeps every record in memory: for tests, benchmarks and the CLI's dry runs. */
export class MemoryOutcomeSink implements OutcomeSink {
  readonly records: Outcome[] = [];
  record(outcome: Outcome): void {
    this.records.push(outcome);
  }
  terminal(): Outcome[] {
    return this.records.filter((o) => isTerminal(o.status));
  }
}
