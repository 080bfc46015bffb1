import type { Clock } from '../time/clock.js';
import { waitAccount } from '../time/wait-account.js';
import type { RequestGate } from '../wfm/http-client.js';

/**
 * The client-side rate limiter: a token bucket on the injected clock, shared by every
 * request of the process (reads and writes), so the writer stays under the WFM's budget
 * and 429s stay rare. Waiters are served in arrival order. A 429 pauses everyone until
 * its Retry-After: the server's budget is per client, so one 429 speaks for all requests.
 *
 * Genesys Cloud's default is 300 requests per minute per client; configure a little
 * under the server's limit (e.g. 90%), since the two buckets do not start in step.
 */
export interface RateLimiterOptions {
  /** sustained requests per minute; 0 disables the limiter */
  perMinute: number;
  /** requests that may go at once after a quiet spell */
  burst: number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class RateLimiter implements RequestGate {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;
  #pausedUntil = 0;
  readonly #queue: Waiter[] = [];
  #pumping = false;
  /** 429s seen; for stats */
  rateLimitedCount = 0;

  constructor(
    options: RateLimiterOptions,
    private readonly clock: Clock,
  ) {
    if (!(options.perMinute >= 0))
      throw new RangeError(`perMinute must be 0 or more, got ${options.perMinute}`);
    if (!(options.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
    this.#perMs = options.perMinute / 60_000;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#at = clock.now();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#perMs === 0) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length === 0 && this.#waitMs() === 0) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    const credit = waitAccount.getStore();
    const queuedAt = this.clock.now();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          credit?.(this.clock.now() - queuedAt);
          resolve();
        },
        reject,
        signal,
        onAbort: () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      void this.#pump();
    });
  }

  rateLimited(retryAfterMs: number | undefined): void {
    this.rateLimitedCount++;
    this.#pausedUntil = Math.max(this.#pausedUntil, this.clock.now() + (retryAfterMs ?? 1_000));
    // The server's bucket is empty: so is ours, or the first requests after the pause would burst into another 429.
    this.#refill();
    this.#tokens = Math.min(this.#tokens, 0);
  }

  #refill(): void {
    const now = this.clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
  }

  /** Milliseconds until a request may go; 0 when it may go now. */
  #waitMs(): number {
    this.#refill();
    const now = this.clock.now();
    const pause = Math.max(0, this.#pausedUntil - now);
    // A hair under 1 is 1: floating-point refill must not cost an extra millisecond's sleep.
    const tokenWait = this.#tokens >= 1 - 1e-9 ? 0 : Math.ceil((1 - this.#tokens) / this.#perMs);
    return Math.max(pause, tokenWait);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const wait = this.#waitMs();
        if (wait > 0) {
          await this.clock.sleep(wait);
          continue;
        }
        const waiter = this.#queue.shift()!;
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        this.#tokens -= 1;
        waiter.resolve();
      }
    } finally {
      this.#pumping = false;
    }
  }
}
