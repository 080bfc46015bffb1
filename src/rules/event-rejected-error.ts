import type { TrunkSample } from '../events/trunk-event.js';
import { toWire } from '../time/instant.js';

/**
 * A valid event the engine cannot use. Late: it is older than the partition's watermark
 * (newest event time − allowed lateness), so putting it in order would rewrite decisions
 * already made; the pipeline dead-letters it with this reason. Duplicate: the same trunk
 * and instant was already accepted; it is dropped.
 */
export class EventRejectedError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: 'TR_ERR_EVENT_LATE' | 'TR_ERR_EVENT_DUPLICATE',
    readonly sample: TrunkSample,
    readonly watermark: number,
  ) {
    super(
      code === 'TR_ERR_EVENT_LATE'
        ? `late event: trunk ${sample.trunkId} at ${toWire(sample.time)} is ${Math.round((watermark - sample.time) / 1000)}s behind the watermark ${toWire(watermark)}; raise engine.allowedLateness if producers lag this much`
        : `duplicate event: trunk ${sample.trunkId} at ${toWire(sample.time)} was already accepted`,
    );
    this.name = 'EventRejectedError';
  }
}
