import type { KafkaMessage } from 'kafkajs';

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
  admit(partition: number, message: KafkaMessage): Admission;
  /** the slice of `partition` committed */
  sliceCommitted(partition: number): void;
  /** a batch ended without a hold; `caughtUp` when the partition reached its high watermark */
  batchEnded(partition: number, caughtUp: boolean): void;
  /** resolves when the held partition may go on (or the stage stops) */
  whenAdmissible(partition: number): Promise<void>;
  close(): void;
}

export interface AlignerOptions {
  /** a partition may run at most this far ahead of the slowest busy one, milliseconds of event time */
  boundMs: number;
  /** a partition not heard of since assignment holds the others this long, wall-clock milliseconds */
  idleMs: number;
  /** the event time of a message, undefined when it has none (it is always admitted) */
  timeOf(message: KafkaMessage): number | undefined;
  /** wall clock, for the idle wait only */
  now?: () => number;
}

interface Source {
  /** event time of the partition's head (next unprocessed message), or a lower bound of it */
  time: number | undefined;
  /** caught up with its high watermark: it holds no one back */
  idle: boolean;
  /** event time of the first message of the slice being built */
  sliceStart: number | undefined;
}

/**
 * Event-time alignment of the input partitions one instance owns, as Kafka Streams does
 * with timestamp-ordered processing and `max.task.idle.ms`.
 *
 * Why: the repartition topic merges several source partitions in the order they are
 * processed. When a backlog is replayed, one source partition's whole backlog would reach
 * a scope's owner before another's, and the other's samples would then be far behind the
 * owner's watermark (dead-lettered as late, decisions depending on interleaving). So a
 * partition may only process a message whose event time is at most `boundMs` ahead of the
 * head of every other busy partition; a partition that reached its high watermark is idle
 * and holds no one back; one not heard of since assignment holds the others for `idleMs`.
 * And a slice (one transaction) spans at most `boundMs` of event time, because a slice
 * becomes visible downstream all at once.
 *
 * Downstream, a sample is then at most about 2 × `boundMs` behind the newest sample of
 * another source, so `boundMs = allowedLateness / 3` keeps every sample within the
 * reorder buffer. The slowest busy partition can always go on: no deadlock.
 */
export class EventTimeAligner implements Pacing {
  readonly #o: AlignerOptions;
  readonly #now: () => number;
  readonly #sources = new Map<number, Source>();
  readonly #waiters = new Map<number, Array<() => void>>();
  #assignedAt = 0;
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
    for (const p of partitions) {
      if (!this.#sources.has(p))
        this.#sources.set(p, { time: undefined, idle: false, sliceStart: undefined });
    }
    this.#assignedAt = this.#now();
    this.#wake();
  }

  admit(partition: number, message: KafkaMessage): Admission {
    const t = this.#o.timeOf(message);
    const s = this.#source(partition);
    if (t === undefined) return 'go';
    s.idle = false;
    if (!this.#admissible(partition, t)) {
      s.time = t;
      this.#wake();
      return 'hold';
    }
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
    s.idle = caughtUp;
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
      s = { time: undefined, idle: false, sliceStart: undefined };
      this.#sources.set(partition, s);
    }
    return s;
  }

  #admissible(partition: number, t: number): boolean {
    const waitUnknown = this.#now() - this.#assignedAt < this.#o.idleMs;
    for (const [p, s] of this.#sources) {
      if (p === partition || s.idle) continue;
      if (s.time === undefined) {
        if (waitUnknown) return false;
        continue;
      }
      if (t > s.time + this.#o.boundMs) return false;
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
