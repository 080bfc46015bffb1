import { describe, expect, it } from 'vitest';
import { Compression as CompressionTypes } from '../../../src/kafka/port.js';
import { TransactionalCommitter } from '../../../src/kafka/stage/committer.js';
import { Outbox } from '../../../src/kafka/stage/outbox.js';
import { decodePointer } from '../../../src/kafka/state-record.js';
import { ManualClock } from '../../writer/support/manual-clock.js';
import { FakeProducer, valuesTo } from './support/fakes.js';

const input = { topic: 'in', partition: 3, next: '42' };

function committer(onTransaction?: (seconds: number) => void) {
  const clock = new ManualClock(0);
  return {
    clock,
    committer: new TransactionalCommitter({
      groupId: 'g',
      clock,
      ...(onTransaction ? { onTransaction } : {}),
    }),
  };
}

describe('the transactional committer', () => {
  it('sends the records with the state record in one request, then the offsets pointing at the state record, then commits', async () => {
    const { committer: c } = committer();
    const producer = new FakeProducer();
    const out = new Outbox(undefined);
    out.send('effects', { key: null, value: 'e1' });
    await c.commit(producer, {
      requests: out.requests(undefined),
      state: { topic: 'state', message: { key: 'k', value: '42', partition: 1 } },
      bytes: out.bytes,
      input,
    });
    const [t] = producer.transactions;
    expect(t!.calls).toEqual(['sendBatch', 'sendOffsets', 'commit']);
    expect(t!.requests).toEqual([
      [
        { topic: 'effects', values: ['e1'] },
        { topic: 'state', values: ['42'] },
      ],
    ]);
    expect(t!.offset).toBe('42');
    // the fake broker gave the state record's batch base offset 1 on state partition 1
    expect(decodePointer(t!.metadata)).toEqual({ partition: 1, offset: '1' });
  });

  it('sends records beyond the first request in further requests of the same transaction, before the offsets', async () => {
    const { committer: c } = committer();
    const producer = new FakeProducer();
    await c.commit(producer, {
      requests: [
        [{ topic: 'a', messages: [{ value: 'a1' }] }],
        [{ topic: 'dead', messages: [{ value: 'd1' }] }],
      ],
      input,
    });
    const [t] = producer.transactions;
    expect(t!.calls).toEqual(['sendBatch', 'sendBatch', 'sendOffsets', 'commit']);
    expect(valuesTo(t!, 'dead')).toEqual(['d1']);
    expect(t!.metadata).toBeNull();
  });

  it('gzips a transaction of 16 KiB or more, and sends a smaller one as it is', async () => {
    const { committer: c } = committer();
    const producer = new FakeProducer();
    const small = { requests: [[{ topic: 'a', messages: [{ value: 'x' }] }]], bytes: 16 * 1024 - 1, input };
    await c.commit(producer, small);
    await c.commit(producer, { ...small, bytes: 16 * 1024 });
    // the state record counts too
    await c.commit(producer, {
      ...small,
      bytes: 16 * 1024 - 10,
      state: { topic: 'state', message: { key: 'k', value: 'x'.repeat(10), partition: 0 } },
    });
    expect(producer.transactions.map((t) => t.compression[0])).toEqual([
      CompressionTypes.None,
      CompressionTypes.GZIP,
      CompressionTypes.GZIP,
    ]);
  });

  it('aborts a transaction that fails and throws its error; only a committed one is timed', async () => {
    const seconds: number[] = [];
    const { committer: c } = committer((s) => seconds.push(s));
    const producer = new FakeProducer();
    producer.failNext('sendBatch');
    const content = { requests: [[{ topic: 'a', messages: [{ value: 'x' }] }]], input };
    await expect(c.commit(producer, content)).rejects.toThrow('the broker refused the records');
    expect(producer.transactions[0]!.calls).toEqual(['sendBatch', 'abort']);
    expect(seconds).toEqual([]);
    await c.commit(producer, content);
    expect(seconds).toEqual([0]);
  });
});
