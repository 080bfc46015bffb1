import { describe, expect, it } from 'vitest';
import { BatchAbortedError } from '../../../src/kafka/errors.js';
import type { Pacing } from '../../../src/kafka/event-time-alignment.js';
import { STAGE_DEFAULTS } from '../../../src/kafka/stage/defaults.js';
import { batchOf, EFFECTS, harness, QUIET, STATE, settle, valuesTo } from './support/fakes.js';

const P = 0;
const ASSIGNED = new Set([P]);

describe('the stage runtime processes behind the consumer', () => {
  it('takes up to batchesBehind more batches of a partition while one processes, so the next fetch is under way; then waits for the oldest', async () => {
    let open: () => void = () => {};
    const opened = new Promise<void>((r) => {
      open = r;
    });
    const h = harness({ gate: () => opened });
    h.runtime.assign(ASSIGNED);
    const returned: number[] = [];
    const offers = [0, 1, 2].map((i) =>
      h.runtime.offer(batchOf(P, i, [`m${i}`], { highWatermark: 10 })).then(() => returned.push(i)),
    );
    await settle();
    // the first batch is processing (its worker waits); the next one waits behind it with
    // its handler returned; the third's handler waits for the first
    expect(STAGE_DEFAULTS.batchesBehind).toBe(2);
    expect(returned).toEqual([0, 1]);
    open();
    await Promise.all(offers);
    await settle();
    expect(returned).toEqual([0, 1, 2]);
    h.runtime.halt();
    await h.runtime.finish();
    expect(h.producer().committed.map((t) => [t.offset, ...valuesTo(t, QUIET)])).toEqual([
      ['3', 'm0', 'm1', 'm2'],
    ]);
  });
});

describe('the stage runtime cuts a slice', () => {
  it('at the end of the batch that made an urgent record, carrying the quiet input before it; quiet input alone waits', async () => {
    const h = harness();
    h.runtime.assign(ASSIGNED);
    const quiet = batchOf(P, 0, ['a', 'b', 'c'], { highWatermark: 10 });
    await h.runtime.offer(quiet);
    await settle();
    // the whole batch is taken (the consumer fetches on), nothing committed
    expect(quiet.resolved).toEqual(['2']);
    expect(h.producer().transactions).toEqual([]);

    await h.runtime.offer(batchOf(P, 3, ['!e'], { highWatermark: 10 }));
    await settle();
    const [t] = h.producer().committed;
    expect(valuesTo(t!, QUIET)).toEqual(['a', 'b', 'c']);
    expect(valuesTo(t!, EFFECTS)).toEqual(['!e']);
    expect(valuesTo(t!, STATE)).toEqual(['4']);
    expect(t!.offset).toBe('4');
    expect(h.stats).toMatchObject({ batches: 1, messages: 4, emitted: 4, aborted: 0 });
    expect(h.tally.committed(EFFECTS)).toBe(1);
  });

  it('once its records reach the transaction byte cap, within a batch', async () => {
    // each record counts 65 bytes: a slice is cut at its second record
    const h = harness({ maxTransactionBytes: 100 });
    h.runtime.assign(ASSIGNED);
    await h.runtime.offer(batchOf(P, 0, ['a', 'b', 'c', 'd', 'e'], { highWatermark: 10 }));
    await settle();
    expect(h.producer().committed.map((t) => valuesTo(t, QUIET))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['2', '4']);
  });

  it('once it is the commit interval old, also when no batch comes any more', async () => {
    const h = harness({ commitIntervalMs: 1_000 });
    h.runtime.assign(ASSIGNED);
    // not caught up: only the interval cuts
    await h.runtime.offer(batchOf(P, 0, ['a'], { highWatermark: 100 }));
    await h.clock.advance(999);
    await settle();
    expect(h.producer().transactions).toEqual([]);
    await h.clock.advance(1);
    await settle();
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['1']);
  });

  it('once the partition is caught up and no batch came for the idle time; each batch pushes the idle cut back', async () => {
    const h = harness({ commitIntervalMs: 10_000, idleCommitMs: 100 });
    h.runtime.assign(ASSIGNED);
    await h.runtime.offer(batchOf(P, 0, ['a']));
    await h.clock.advance(60);
    await h.runtime.offer(batchOf(P, 1, ['b']));
    await h.clock.advance(60);
    await settle();
    // 120 ms since the first batch, 60 since the last: still open
    expect(h.producer().transactions).toEqual([]);
    await h.clock.advance(40);
    await settle();
    expect(h.producer().committed.map((t) => [t.offset, ...valuesTo(t, QUIET)])).toEqual([['2', 'a', 'b']]);
  });

  it('at once when a batch brings a partition that was behind to its end, the slice being the idle time old', async () => {
    const h = harness({ commitIntervalMs: 10_000, idleCommitMs: 100 });
    h.runtime.assign(ASSIGNED);
    // a backlog: the first batch ends before the high watermark
    await h.runtime.offer(batchOf(P, 0, ['a', 'b'], { highWatermark: 4 }));
    await h.clock.advance(150);
    await settle();
    expect(h.producer().transactions).toEqual([]);
    // the last batch of the backlog: nothing more to read, no idle time waited
    await h.runtime.offer(batchOf(P, 2, ['c', 'd'], { highWatermark: 4 }));
    await settle();
    await h.clock.advance(1);
    await settle();
    expect(h.producer().committed.map((t) => [t.offset, ...valuesTo(t, QUIET)])).toEqual([
      ['4', 'a', 'b', 'c', 'd'],
    ]);
  });

  it('when the stage stops: every open slice commits', async () => {
    const h = harness();
    h.runtime.assign(ASSIGNED);
    await h.runtime.offer(batchOf(P, 0, ['a', 'b'], { highWatermark: 10 }));
    await settle();
    expect(h.producer().transactions).toEqual([]);
    h.runtime.halt();
    await h.runtime.finish();
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['2']);
  });
});

describe('the stage runtime with pacing (event-time alignment)', () => {
  it('commits before a message the pacing cuts at, and stops at one it holds: the slice before it commits, the partition pauses until the pacing lets it go', async () => {
    let admissible!: () => void;
    const committedSlices: number[] = [];
    const pacing: Pacing = {
      ...goPacing(),
      admit: (_p, m) => (String(m.value) === 'cut' ? 'cut' : String(m.value) === 'held' ? 'hold' : 'go'),
      sliceCommitted: (p) => committedSlices.push(p),
      whenAdmissible: () =>
        new Promise<void>((r) => {
          admissible = r;
        }),
    };
    const h = harness({ pacing });
    h.runtime.assign(ASSIGNED);
    const b = batchOf(P, 0, ['a', 'cut', 'b', 'held', 'c']);
    const release = h.producer().hold();
    const offered = h.runtime.offer(b);
    await settle();
    // the aligner reasons about committed slices: nothing more is processed until the cut one commits
    expect(h.openings).toEqual([['a']]);
    release();
    await offered;
    // the handler returned once both slices committed: no settling needed
    expect(h.producer().committed.map((t) => [t.offset, ...valuesTo(t, QUIET)])).toEqual([
      ['1', 'a'],
      ['3', 'cut', 'b'],
    ]);
    expect(committedSlices).toEqual([P, P]);
    // fetched on from the held message, which comes again
    expect(b.resolved).toEqual(['2']);
    expect(b.paused).toBe(true);
    expect(h.resumes).toEqual([]);
    admissible();
    await settle();
    expect(h.resumes).toEqual([P]);
  });
});

describe('the stage runtime folds', () => {
  it('slices cut while a transaction waits for its downstream effects into the next one: two transactions for a burst', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const h = harness({ settled: () => gate });
    h.runtime.assign(ASSIGNED);
    for (const [i, v] of ['!e1', '!e2', '!e3', '!e4'].entries()) {
      await h.runtime.offer(batchOf(P, i, [v]));
      await settle();
    }
    expect(h.producer().transactions).toEqual([]);
    open();
    await settle();
    const committed = h.producer().committed;
    expect(committed.map((t) => valuesTo(t, EFFECTS))).toEqual([['!e1'], ['!e2', '!e3', '!e4']]);
    // one state record per transaction, the folded one's taken at its last slice's cut
    expect(committed.map((t) => valuesTo(t, STATE))).toEqual([['1'], ['4']]);
    expect(committed.map((t) => t.offset)).toEqual(['1', '4']);
    expect(h.stats).toMatchObject({ batches: 2, messages: 4, emitted: 4 });
  });
});

describe('the stage runtime after a failure', () => {
  it('of a batch processed behind its handler: rewinds to the committed offset, drops the task, and tells the consumer at the next batch', async () => {
    const h = harness({ failOn: { value: 'boom', times: 1 } });
    h.runtime.assign(ASSIGNED);
    await h.runtime.offer(batchOf(P, 0, ['!a']));
    await settle();
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['1']);
    // processed into an open slice, then a message the worker cannot take
    await h.runtime.offer(batchOf(P, 1, ['b', 'c'], { highWatermark: 10 }));
    await h.runtime.offer(batchOf(P, 3, ['boom'], { highWatermark: 10 }));
    await settle();
    expect(h.seeks).toEqual([{ partition: P, offset: '1' }]);
    expect(h.releases).toEqual([P]);
    expect(h.stats.aborted).toBe(1);
    expect(h.runtime.task(P)).toBeUndefined();

    await expect(h.runtime.offer(batchOf(P, 4, ['x']))).rejects.toBeInstanceOf(BatchAbortedError);
    // the consumer's retry from the committed offset: a new task, nothing of the open slice skipped
    await h.runtime.offer(batchOf(P, 1, ['b', 'c', 'boom', '!d']));
    await settle();
    expect(h.openings).toEqual([
      ['!a', 'b', 'c'],
      ['b', 'c', 'boom', '!d'],
    ]);
    expect(h.producers).toHaveLength(2);
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['5']);
  });

  it('of a batch processed in its handler (pacing): throws it to the consumer, after the rewind', async () => {
    const h = harness({ failOn: { value: 'boom' }, pacing: goPacing() });
    h.runtime.assign(ASSIGNED);
    await expect(h.runtime.offer(batchOf(P, 0, ['a', 'boom']))).rejects.toThrow(/at offset 1/);
    expect(h.seeks).toEqual([{ partition: P, offset: '0' }]);
    expect(h.releases).toEqual([P]);
    expect(h.stats.aborted).toBe(1);
  });

  it('of a transaction: aborts it, runs nothing queued behind it, rewinds to the last committed offset and logs it at error', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let first = true;
    const h = harness({
      settled: () => {
        if (first) {
          first = false;
          return Promise.resolve();
        }
        return gate;
      },
    });
    h.runtime.assign(ASSIGNED);
    await h.runtime.offer(batchOf(P, 0, ['!a']));
    await settle();
    // the next transaction fails at its commit; one more waits behind it
    h.producer().failNext('commit');
    await h.runtime.offer(batchOf(P, 1, ['!b']));
    await settle();
    await h.runtime.offer(batchOf(P, 2, ['!c']));
    await settle();
    open();
    await settle();

    const producer = h.producers[0]!;
    expect(producer.transactions.map((t) => [t.offset, t.outcome])).toEqual([
      ['1', 'committed'],
      ['2', 'aborted'],
    ]);
    expect(h.seeks).toEqual([{ partition: P, offset: '1' }]);
    expect(h.releases).toEqual([P]);
    expect(h.stats.aborted).toBe(1);
    expect(h.errors.map((e) => e.msg)).toEqual(['transaction aborted; rewinding to the committed offset']);
    // the next batch opens the partition afresh, from the committed offset
    await h.runtime.offer(batchOf(P, 1, ['!b', '!c']));
    await settle();
    expect(h.producers).toHaveLength(2);
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['3']);
  });

  it('again at the same offset: the partition waits before the next attempt, on the clock', async () => {
    const h = harness({ failOn: { value: 'boom' } });
    h.runtime.assign(ASSIGNED);
    for (let attempt = 0; attempt < 2; attempt++) {
      await h.runtime.offer(batchOf(P, 0, ['boom']));
      await settle();
      await h.runtime.offer(batchOf(P, 0, ['a'])).catch(() => {});
    }
    // the second failure at offset 0 pauses the partition for 200 ms
    expect(h.stats.aborted).toBe(2);
    expect(h.pauses).toEqual([P]);
    await h.clock.advance(199);
    expect(h.resumes).toEqual([]);
    await h.clock.advance(1);
    expect(h.resumes).toEqual([P]);
  });
});

describe('the stage runtime when a partition is revoked', () => {
  it('abandons the open slice and the queued transactions: none commits, nothing is rewound or logged, the producer is released', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const h = harness({ settled: () => gate });
    h.runtime.assign(ASSIGNED);
    await h.runtime.offer(batchOf(P, 0, ['!a']));
    await h.runtime.offer(batchOf(P, 1, ['b'], { highWatermark: 10 }));
    await settle();
    h.runtime.assign(new Set());
    expect(h.runtime.task(P)).toBeUndefined();
    expect(h.releases).toEqual([P]);
    open();
    await settle();
    await h.runtime.finish();
    // the slice whose transaction waited fails on the released producer
    expect(h.producer().committed).toEqual([]);
    expect(h.stats).toMatchObject({ batches: 0, aborted: 1 });
    expect(h.seeks).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('starts no transaction queued behind the one in flight on the released producer', async () => {
    const h = harness();
    h.runtime.assign(ASSIGNED);
    const release = h.producer().hold();
    await h.runtime.offer(batchOf(P, 0, ['!a']));
    await settle();
    await h.runtime.offer(batchOf(P, 1, ['!b']));
    await settle();
    h.runtime.assign(new Set());
    release();
    await settle();
    // the transaction in flight ran its course; the one behind it was given up before it began
    expect(h.producer().started).toBe(1);
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['1']);
    expect(h.stats).toMatchObject({ batches: 1, aborted: 1 });
  });

  it('takes a newly assigned partition over at once, before its first batch', async () => {
    const h = harness();
    h.runtime.assign(ASSIGNED);
    await settle();
    expect(h.openings).toHaveLength(1);
    expect(h.runtime.task(P)?.state).toBe('running');
    await h.runtime.offer(batchOf(P, 0, ['!a']));
    await settle();
    expect(h.openings).toEqual([['!a']]);
  });

  it('skips what an earlier owner committed', async () => {
    const h = harness();
    h.committedOffset = '2';
    h.runtime.assign(ASSIGNED);
    await h.runtime.offer(batchOf(P, 0, ['a', 'b', '!c']));
    await settle();
    expect(h.openings).toEqual([['!c']]);
    expect(h.producer().committed.map((t) => t.offset)).toEqual(['3']);
  });
});

/** Pacing that admits everything: the runtime then processes each batch in its handler and awaits its commits. */
function goPacing(): Pacing {
  return {
    assigned: () => {},
    admit: () => 'go',
    sliceCommitted: () => {},
    batchEnded: () => {},
    whenAdmissible: async () => {},
    close: () => {},
  };
}
