import type { ConsumedMessage } from './port.js';

/** What the stage does with the next message of a partition. */
export type Admission =
  /** process it in the current slice */
  | 'go'
  /** commit the slice first (its event-time span reached the bound), then process it */
  | 'cut'
  /** do not process it yet: commit what is done, pause the partition until `whenAdmissible` */
  | 'hold';

/** The hook a transactional stage calls to pace its input partitions (see `EventTimeAligner`). */
export interface Pacing {
  assigned(partitions: ReadonlySet<number>): void;
  admit(partition: number, message: ConsumedMessage): Admission;
  /** the slice of `partition` committed */
  sliceCommitted(partition: number): void;
  /** a batch ended without a hold; `caughtUp` when the partition reached its high watermark */
  batchEnded(partition: number, caughtUp: boolean): void;
  /** resolves when the held partition may go on (or the stage stops) */
  whenAdmissible(partition: number): Promise<void>;
  close(): void;
}

export interface AlignerOptions {
  /** a partition may run at most this far ahead of the slowest other one, milliseconds of event time */
  boundMs: number;
  /**
   * a partition with nothing to read (caught up, or not heard of yet) holds one that is ahead
   * of it this long before it is taken as idle, wall-clock milliseconds
   */
  idleMs: number;
  /** the event time of a message, undefined when it has none (it is always admitted) */
  timeOf(message: ConsumedMessage): number | undefined;
  /** wall clock, for the idle wait only */
  now?: () => number;
}

interface Source {
  /** event time of the partition's head (next unprocessed message), or of its last one when caught up */
  time: number | undefined;
  /** its last batch reached the high watermark: it has nothing to read at the moment */
  caughtUp: boolean;
  /** caught up (or never heard of) and waited for once already: it holds no one back until it has data */
  idle: boolean;
  /** wall clock when this partition was first held for the message it waits with */
  heldSince: number | undefined;
  /** event time of the first message of the slice being built */
  sliceStart: number | undefined;
}

/**
 * Event-time alignment of the input partitions one instance owns, as Kafka Streams does
 * with timestamp-ordered processing and `max.task.idle.ms`.
 *
 * Why: the repartition topic merges several source partitions in the order they are
 * processed. Downstream the watermark follows each scope's slowest member, so a source
 * read late makes nothing late (reorder-buffer.ts) — but it makes the owner hold the
 * faster sources' samples in memory meanwhile, and a member the owner has not met yet
 * (a fresh start) cannot hold anything back. So the sources stay together in event time:
 *
 * - a partition may only process a message whose event time is at most `boundMs` ahead of
 *   the head of every other partition with data to read (busy); the slowest busy one can
 *   always go on: no deadlock;
 * - a partition with nothing to read at the moment — caught up with its high watermark, or
 *   not heard of yet — may still get data for that time any moment: a bursty producer's
 *   next burst lands on the partitions one fetch apart. So it holds a partition ahead of it
 *   for up to `idleMs` of wall clock from when that one was held; if no data came by then it
 *   is idle and holds no one back until it has data again;
 * - a slice (one transaction) spans at most `boundMs` of event time, because a slice becomes
 *   visible downstream all at once.
 *
 * Downstream, a sample then reaches its owner at most about 2 × `boundMs` behind the newest
 * sample of another source of the instance; `boundMs = allowedLateness / 3` keeps even a
 * member the owner meets for the first time inside its allowed lateness.
 */
export class EventTimeAligner implements Pacing {
  readonly #o: AlignerOptions;
  readonly #now: () => number;
  readonly #sources = new Map<number, Source>();
  readonly #waiters = new Map<number, Array<() => void>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(o: AlignerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  assigned(partitions: ReadonlySet<number>): void {
    for (const p of [...this.#sources.keys()]) if (!partitions.has(p)) this.#sources.delete(p);
    // a held partition that went to another instance: release its waiter
    for (const [p, list] of [...this.#waiters]) {
      if (partitions.has(p)) continue;
      this.#waiters.delete(p);
      for (const w of list) w();
    }
    for (const p of partitions) if (!this.#sources.has(p)) this.#sources.set(p, newSource());
    this.#wake();
  }

  admit(partition: number, message: ConsumedMessage): Admission {
    const t = this.#o.timeOf(message);
    const s = this.#source(partition);
    if (t === undefined) return 'go';
    // it has data: it holds the others again
    s.caughtUp = false;
    s.idle = false;
    if (!this.#admissible(partition, t)) {
      s.time = t;
      s.heldSince ??= this.#now();
      this.#wake();
      return 'hold';
    }
    s.heldSince = undefined;
    s.time = Math.max(s.time ?? t, t);
    const cut = s.sliceStart !== undefined && t - s.sliceStart > this.#o.boundMs;
    if (cut || s.sliceStart === undefined) s.sliceStart = t;
    this.#wake();
    return cut ? 'cut' : 'go';
  }

  sliceCommitted(partition: number): void {
    const s = this.#sources.get(partition);
    if (s) s.sliceStart = undefined;
  }

  batchEnded(partition: number, caughtUp: boolean): void {
    const s = this.#source(partition);
    // not caught up: the next message is at least as late as the last one (a lower bound)
    s.caughtUp = caughtUp;
    this.#wake();
  }

  whenAdmissible(partition: number): Promise<void> {
    return new Promise((resolve) => {
      const list = this.#waiters.get(partition) ?? [];
      list.push(resolve);
      this.#waiters.set(partition, list);
      this.#wake();
      // the idle wait ends by the clock, not by an event
      this.#timer ??= setInterval(() => this.#wake(), Math.max(50, Math.floor(this.#o.idleMs / 4)));
    });
  }

  close(): void {
    for (const list of this.#waiters.values()) for (const w of list) w();
    this.#waiters.clear();
    this.#stopTimer();
  }

  #source(partition: number): Source {
    let s = this.#sources.get(partition);
    if (!s) {
      s = newSource();
      this.#sources.set(partition, s);
    }
    return s;
  }

  /** Whether `partition` may process a message at event time `t` now. */
  #admissible(partition: number, t: number): boolean {
    const me = this.#sources.get(partition);
    for (const [p, s] of this.#sources) {
      if (p === partition || s.idle) continue;
      if (s.time !== undefined && t <= s.time + this.#o.boundMs) continue;
      // behind by more than the bound and busy: it will catch up
      if (s.time !== undefined && !s.caughtUp) return false;
      // nothing to read there: wait for its data until idleMs after this partition was held
      const heldSince = me?.heldSince;
      if (heldSince === undefined || this.#now() - heldSince < this.#o.idleMs) return false;
      s.idle = true;
    }
    return true;
  }

  #wake(): void {
    for (const [p, list] of [...this.#waiters]) {
      const t = this.#sources.get(p)?.time;
      if (t !== undefined && !this.#admissible(p, t)) continue;
      this.#waiters.delete(p);
      for (const w of list) w();
    }
    if (this.#waiters.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function newSource(): Source {
  return { time: undefined, caughtUp: false, idle: false, heldSince: undefined, sliceStart: undefined };
}
