import { describe, expect, it } from 'vitest';
import { CommitQueue, type CutSlice, type QueuedCommit } from '../../../src/kafka/stage/commit-queue.js';
import { Outbox } from '../../../src/kafka/stage/outbox.js';
import { settle } from './support/fakes.js';

/** A slice of one record ('v<offset>', about 70 bytes counted) at `offset`, with its state record. */
function slice(offset: number, settled?: Promise<void>): CutSlice {
  const out = new Outbox(undefined);
  out.send('out', { key: null, value: `v${offset}` });
  return {
    out,
    last: String(offset),
    next: String(offset + 1),
    state: { topic: 'state', message: { key: 'p', value: String(offset + 1) } },
    settled,
    messages: 1,
  };
}

function values(c: QueuedCommit): string[] {
  return c.out
    .requests(undefined)
    .flat()
    .flatMap((r) => r.messages.map((m) => String(m.value)));
}

/** A queue whose first transaction runs until `release()`; every transaction it ran, in order. */
function heldQueue(o: { maxBytes?: number; maxSlices?: number; failAt?: number } = {}) {
  let release!: () => void;
  const first = new Promise<void>((r) => {
    release = r;
  });
  const ran: QueuedCommit[] = [];
  const committed: QueuedCommit[] = [];
  const failed: QueuedCommit[] = [];
  const queue = new CommitQueue({
    maxBytes: o.maxBytes ?? 512 * 1024,
    maxSlices: o.maxSlices ?? 16,
    run: async (c) => {
      ran.push(c);
      if (ran.length === 1) await first;
      if (ran.length === o.failAt) throw new Error('aborted');
    },
    committed: (c) => committed.push(c),
    failed: (c) => failed.push(c),
  });
  return { queue, release, ran, committed, failed };
}

describe('the commit queue', () => {
  it('folds slices cut while a transaction runs into the one waiting behind it: records in order, the last state record and offset', async () => {
    const q = heldQueue();
    expect(q.queue.add(slice(0))).toBe('queued');
    await settle();
    expect(q.queue.add(slice(1))).toBe('queued');
    expect(q.queue.add(slice(2))).toBe('folded');
    expect(q.queue.add(slice(3))).toBe('folded');
    expect(q.queue.queued).toBe(2);
    q.release();
    await q.queue.drained();

    expect(q.committed.map(values)).toEqual([['v0'], ['v1', 'v2', 'v3']]);
    const folded = q.committed[1]!;
    expect([folded.last, folded.next, folded.state?.message.value]).toEqual(['3', '4', '4']);
    expect([folded.messages, folded.slices]).toEqual([3, 3]);
    expect(q.queue.queued).toBe(0);
  });

  it('awaits nothing of its own: every slice folded keeps its "sent downstream" promise for the run', async () => {
    const q = heldQueue();
    q.queue.add(slice(0));
    await settle();
    const a = Promise.resolve();
    const b = Promise.resolve();
    q.queue.add(slice(1, a));
    q.queue.add(slice(2, b));
    q.release();
    await q.queue.drained();
    expect(q.committed[1]!.settled).toEqual([a, b]);
  });

  it('does not fold a slice past the byte cap: it queues a transaction of its own, which takes the slices after it', async () => {
    // a one-record slice counts 66 bytes: two fit in 140, three do not
    const q = heldQueue({ maxBytes: 140 });
    q.queue.add(slice(0));
    await settle();
    q.queue.add(slice(1));
    q.queue.add(slice(2));
    q.queue.add(slice(3));
    q.queue.add(slice(4));
    q.release();
    await q.queue.drained();
    expect(q.committed.map(values)).toEqual([['v0'], ['v1', 'v2'], ['v3', 'v4']]);
  });

  it('does not fold more slices than the count cap into one transaction', async () => {
    const q = heldQueue({ maxSlices: 3 });
    q.queue.add(slice(0));
    await settle();
    for (let i = 1; i <= 5; i++) q.queue.add(slice(i));
    q.release();
    await q.queue.drained();
    expect(q.committed.map((c) => c.slices)).toEqual([1, 3, 2]);
    expect(q.committed.map(values)).toEqual([['v0'], ['v1', 'v2', 'v3'], ['v4', 'v5']]);
  });

  it('runs nothing behind a failed transaction, and tells the failure once', async () => {
    const q = heldQueue({ maxSlices: 1, failAt: 2 });
    q.queue.add(slice(0));
    await settle();
    q.queue.add(slice(1));
    q.queue.add(slice(2));
    q.release();
    await q.queue.drained();
    expect(q.ran.map(values)).toEqual([['v0'], ['v1']]);
    expect(q.committed.map(values)).toEqual([['v0']]);
    expect(q.failed.map(values)).toEqual([['v1']]);
  });
});
