import type { Outbox } from './outbox.js';
import type { Checkpoint } from './worker.js';

/** A slice as it is cut: what was processed of a partition since the last cut. */
export interface CutSlice {
  out: Outbox;
  /** the last input offset it covers, and the one after it (to commit) */
  last: string;
  next: string;
  /** the worker's state record, taken at the cut */
  state: Checkpoint | undefined;
  /** the worker's "sent downstream" promise (the rules stage's intents) */
  settled: Promise<void> | undefined;
  messages: number;
}

/** One transaction of the queue: one slice, or several folded together. */
export interface QueuedCommit {
  out: Outbox;
  last: string;
  next: string;
  state: Checkpoint | undefined;
  /** the "sent downstream" promises of its slices, awaited before it commits */
  settled: Promise<void>[];
  messages: number;
  slices: number;
}

export interface CommitQueueOptions {
  /** a waiting transaction takes no slice that would bring its records past this many bytes */
  maxBytes: number;
  /** ...nor more than this many slices */
  maxSlices: number;
  /** runs one transaction; a rejection is a failed commit */
  run(c: QueuedCommit): Promise<void>;
  committed(c: QueuedCommit): void;
  /** a transaction failed: none queued behind it runs any more */
  failed(c: QueuedCommit, err: unknown): void;
}

/**
 * A partition's transactions, one after the other, behind its processing.
 *
 * A slice cut while a transaction runs waits behind it. Further slices cut while that one
 * waits are folded into it — their records appended (order per topic kept), the later state
 * record and offset replacing the earlier (state records are whole snapshots) — so a burst of
 * slices (the planning stage cuts one per batch that made an adjustment) commits in one more
 * transaction instead of one each, one after the other. A waiting transaction takes at most
 * `maxSlices` slices and `maxBytes` of records; past that the next slice queues a transaction
 * of its own, which then takes the slices after it.
 *
 * A failed transaction ends the queue: nothing queued behind it runs (the partition is then
 * given up and processed again from its committed offset by its next owner).
 */
export class CommitQueue {
  readonly #o: CommitQueueOptions;
  #chain: Promise<void> = Promise.resolve();
  /** the transaction waiting behind the running one; cleared when it starts, so it is never one that runs */
  #waiting: QueuedCommit | undefined;
  #queued = 0;

  constructor(o: CommitQueueOptions) {
    this.#o = o;
  }

  /** transactions queued or running, not yet committed */
  get queued(): number {
    return this.#queued;
  }

  /** Folds the slice into the waiting transaction, or queues a transaction for it. */
  add(s: CutSlice): 'folded' | 'queued' {
    const w = this.#waiting;
    if (w && w.slices < this.#o.maxSlices && w.out.bytes + s.out.bytes <= this.#o.maxBytes) {
      w.out.append(s.out);
      w.last = s.last;
      w.next = s.next;
      w.state = s.state;
      if (s.settled) w.settled.push(s.settled);
      w.messages += s.messages;
      w.slices++;
      return 'folded';
    }
    const { out, last, next, state, messages } = s;
    this.#queue({ out, last, next, state, settled: s.settled ? [s.settled] : [], messages, slices: 1 });
    return 'queued';
  }

  /** Resolves once every transaction queued so far ran, committed or not. */
  drained(): Promise<void> {
    return this.#chain.catch(() => {});
  }

  #queue(c: QueuedCommit): void {
    this.#waiting = c;
    this.#queued++;
    this.#chain = this.#chain.then(async () => {
      // it runs now: later slices go to a new transaction (a newer one already waiting, when c
      // was full, stays)
      if (this.#waiting === c) this.#waiting = undefined;
      try {
        await this.#o.run(c);
      } catch (err) {
        this.#o.failed(c, err);
        throw err;
      } finally {
        this.#queued--;
      }
      this.#o.committed(c);
    });
    // a failure is handled in the chain itself; a partition given up has no one left to
    // await its chain, and an unobserved rejection would end the process
    this.#chain.catch(() => {});
  }
}
