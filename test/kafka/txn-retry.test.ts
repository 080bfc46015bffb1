import { describe, expect, it } from 'vitest';
import { retryConcurrentTransactions } from '../../src/kafka/kafkajs/txn-retry.js';
import { ManualClock } from '../writer/support/manual-clock.js';

const concurrent = () => Object.assign(new Error('concurrent'), { type: 'CONCURRENT_TRANSACTIONS' });

describe('sendOffsets retried on CONCURRENT_TRANSACTIONS', () => {
  it('tries again after 20 ms, then 40 ms, on the clock it is given', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const done = retryConcurrentTransactions(async () => {
      calls++;
      if (calls < 3) throw concurrent();
      return 'sent';
    }, clock);
    await clock.advance(0);
    expect(calls).toBe(1);
    await clock.advance(19);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await clock.advance(39);
    expect(calls).toBe(2);
    await clock.advance(1);
    await expect(done).resolves.toBe('sent');
    expect(calls).toBe(3);
  });

  it('throws any other error at once, and the last one once its attempts are spent', async () => {
    const clock = new ManualClock();
    const other = Object.assign(new Error('fenced'), { type: 'INVALID_PRODUCER_EPOCH' });
    await expect(
      retryConcurrentTransactions(async () => {
        throw other;
      }, clock),
    ).rejects.toBe(other);
    let calls = 0;
    const given = retryConcurrentTransactions(
      async () => {
        calls++;
        throw concurrent();
      },
      clock,
      2,
    );
    given.catch(() => {});
    await clock.advance(1_000, 10);
    await expect(given).rejects.toMatchObject({ type: 'CONCURRENT_TRANSACTIONS' });
    expect(calls).toBe(3);
  });
});
