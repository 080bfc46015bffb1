import type { TrunkSample } from '../events/trunk-event.js';
import { toWire } from '../time/instant.js';
import { formatDuration } from './duration.js';

export type RejectionCode = 'TR_ERR_EVENT_LATE' | 'TR_ERR_EVENT_DUPLICATE' | 'TR_ERR_EVENT_FUTURE';

/** The wall clock and the bound a future sample was measured against. */
export interface FutureBound {
  now: number;
  maxFutureSkewMs: number;
}

/**
 * A valid event the engine cannot use; the pipeline dead-letters it with this reason.
 * Late: it would come before a sample already evaluated (behind the partition's watermark,
 * which the slowest member drives), so putting it in order would rewrite decisions already
 * made. Duplicate: the same trunk and instant was already accepted. Future: it is stamped
 * further ahead of the wall clock than the future bound allows — a producer's clock or
 * offset is wrong — and taking it would drag the watermark ahead of every real sample.
 */
export class EventRejectedError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: RejectionCode,
    readonly sample: TrunkSample,
    readonly watermark: number,
    readonly future?: FutureBound,
  ) {
    super(message(code, sample, watermark, future));
    this.name = 'EventRejectedError';
  }
}

function message(code: RejectionCode, sample: TrunkSample, watermark: number, future?: FutureBound): string {
  const what = `trunk ${sample.trunkId} at ${toWire(sample.time)}`;
  switch (code) {
    case 'TR_ERR_EVENT_LATE':
      return `late event: ${what} is ${Math.round((watermark - sample.time) / 1000)}s behind the watermark ${toWire(watermark)}; raise engine.allowedLateness if producers lag this much`;
    case 'TR_ERR_EVENT_DUPLICATE':
      return `duplicate event: ${what} was already accepted`;
    case 'TR_ERR_EVENT_FUTURE': {
      const now = future?.now ?? Number.NaN;
      const ahead = formatDuration(Math.max(0, Math.round((sample.time - now) / 1000)) * 1000);
      const bound = formatDuration(future?.maxFutureSkewMs ?? 0);
      return `future event: ${what} is ${ahead} ahead of the clock (${toWire(now)}), more than the ${bound} rules.maxFutureSkewMs allows; fix the producer's clock or the event's offset`;
    }
  }
}
