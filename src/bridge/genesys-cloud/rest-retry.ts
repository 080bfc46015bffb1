import type { Clock } from '../../time/clock.js';
import { BridgeRestError, BridgeStoppedError } from './errors.js';

/**
 * One REST read tried again after a full-jitter pause while its failure is one that asking again
 * can cure (a 5xx, a reset, a timeout, a 429 past GenesysHttp's own retries); a refusal (401 after
 * a fresh token, 403, 404, 400) is final at once. GenesysHttp has already waited out Retry-After
 * and renewed an expired token by then.
 */
export interface RestRetry {
  clock: Clock;
  /** in [0, 1) */
  random: () => number;
  signal: AbortSignal;
  attempts: number;
  baseMs: number;
  capMs: number;
  onRetry?: (what: string, attempt: number, err: unknown) => void;
}

export const DEFAULT_REST_RETRY = { attempts: 6, baseMs: 250, capMs: 8_000 } as const;

function retriable(err: unknown): boolean {
  const r = (err as { retriable?: unknown } | null)?.retriable;
  return typeof r === 'boolean' ? r : true;
}

export async function withRetry<T>(what: string, o: RestRetry, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (o.signal.aborted) throw new BridgeStoppedError();
    try {
      return await call();
    } catch (err) {
      if (o.signal.aborted) throw new BridgeStoppedError();
      if (!retriable(err)) throw new BridgeRestError(what, attempt, false, err);
      if (attempt >= o.attempts) throw new BridgeRestError(what, attempt, true, err);
      o.onRetry?.(what, attempt, err);
      const ceiling = Math.min(o.capMs, o.baseMs * 2 ** (attempt - 1));
      try {
        await o.clock.sleep(o.random() * ceiling, o.signal);
      } catch {
        throw new BridgeStoppedError();
      }
    }
  }
}
