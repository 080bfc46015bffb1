import { type Clock, systemClock } from '../time/clock.js';
import type { KafkaAdmin } from './port.js';

export interface WriterLagGateOptions {
  admin: Pick<KafkaAdmin, 'fetchOffsets' | 'fetchTopicOffsets'>;
  /** the writer stage's consumer group and input topic */
  writerGroupId: string;
  adjustmentsTopic: string;
  /** the rules stage waits while more adjustments than this are not yet committed by the writer */
  maxLag: number;
  /** how often the lag is read while waiting, milliseconds */
  pollMs?: number;
  /** called with each lag read (metrics) */
  onLag?: (lag: number) => void;
  /** time for the reads' pacing and the waits (default: the system clock) */
  clock?: Clock;
}

/**
 * Rules-side backpressure: while the writer group is more than `maxLag` adjustments
 * behind (publish-window deferrals, 429s, a slow WFM), the rules stage stops taking
 * batches, so the events wait in Kafka instead of piling up as adjustments. The lag is
 * read from Kafka (end offsets minus the writer group's committed offsets), so it works
 * whether the writer runs in this process or in another (`--role writer`).
 */
export class WriterLagGate {
  readonly #o: WriterLagGateOptions;
  #lag = 0;
  #readAt = 0;
  #reading = false;

  readonly #clock: Clock;

  constructor(o: WriterLagGateOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
  }

  /** the last lag read */
  get lag(): number {
    return this.#lag;
  }

  /** Resolves once the writer's lag is at most `maxLag`; heartbeats while it waits. */
  async wait(heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<void> {
    const pollMs = this.#o.pollMs ?? 1_000;
    if (this.#readAt > 0 && this.#lag <= this.#o.maxLag) {
      // the common case costs a batch nothing: while the last lag read was low, the next
      // one runs in the background (at most one per poll period) instead of in the batch's
      // path, where its two admin round trips would add to every event's latency
      if (this.#clock.now() - this.#readAt >= pollMs && !this.#reading) {
        this.#reading = true;
        void this.#read().finally(() => {
          this.#reading = false;
        });
      }
      return;
    }
    for (;;) {
      await this.#read();
      if (this.#lag <= this.#o.maxLag || !isRunning()) return;
      await heartbeat().catch(() => {});
      await this.#clock.sleep(pollMs);
    }
  }

  async #read(): Promise<void> {
    const { admin, writerGroupId, adjustmentsTopic } = this.#o;
    try {
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(adjustmentsTopic),
        admin.fetchOffsets({ groupId: writerGroupId, topics: [adjustmentsTopic] }),
      ]);
      const done = new Map<number, bigint>();
      for (const p of committed[0]?.partitions ?? []) done.set(p.partition, BigInt(p.offset));
      let lag = 0n;
      for (const p of ends) {
        const c = done.get(p.partition) ?? -1n;
        // no commit yet: everything from the low watermark on is waiting
        const from = c < 0n ? BigInt(p.low) : c;
        const end = BigInt(p.high);
        if (end > from) lag += end - from;
      }
      this.#lag = Number(lag);
    } catch {
      // a broker hiccup must not stop the rules stage: keep the last reading
    }
    this.#readAt = this.#clock.now();
    this.#o.onLag?.(this.#lag);
  }
}
