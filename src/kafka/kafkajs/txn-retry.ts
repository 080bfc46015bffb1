import type { Clock } from '../../time/clock.js';

/**
 * kafkajs retries CONCURRENT_TRANSACTIONS for `send` but not for `sendOffsets`
 * (AddOffsetsToTxn): right after the previous commit the coordinator may still be
 * writing its markers. Retry that one error a few times with a short backoff (20 ms
 * doubling to 640 ms), on the given clock.
 */
export async function retryConcurrentTransactions<T>(
  fn: () => Promise<T>,
  clock: Pick<Clock, 'sleep'>,
  attempts = 10,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type !== 'CONCURRENT_TRANSACTIONS' || i >= attempts) throw err;
      await clock.sleep(20 * 2 ** Math.min(i, 5));
    }
  }
}
