import type { Logger } from 'pino';
import type { Clock } from '../../time/clock.js';

/**
 * The events waiting for Kafka, in the order they were made, and the one loop that sends them.
 *
 * The loop sends the oldest events in a batch and takes them off only once Kafka has them. A
 * batch that fails is sent again, the same records in the same order, after a full-jitter pause,
 * until it goes: the producer is idempotent, so a batch that was written after all before its
 * answer was lost is recognised by the broker as a repeat (kafka/client.ts, IDEMPOTENT_RETRIES).
 * Nothing is ever dropped here: while Kafka does not take them events pile up, and `full` says
 * when there are `bound` of them, for the bridge to stop reading.
 */
export interface OutboundEvent {
  key: string;
  value: string;
  /** the event's eventTime, epoch milliseconds (for its age when Kafka has it) */
  time: number;
}

/** The kafkajs side, kept thin: connect (and create the topic), send one batch, close. */
export interface EventSink {
  open(): Promise<void>;
  send(batch: readonly OutboundEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * connecting (no producer yet) → producing ⇄ failing (a send or the connect failed; retrying)
 * → closed. `producing` is the only state in which Kafka is known to take events.
 */
export type OutboxState = 'connecting' | 'producing' | 'failing' | 'closed';

export interface EventOutboxOptions {
  sink: EventSink;
  /** `full` from this many events on */
  bound: number;
  maxBatch?: number;
  clock: Clock;
  random?: () => number;
  retryBaseMs?: number;
  retryCapMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** a batch Kafka has, with the time it answered */
  onSent?: (batch: readonly OutboundEvent[], now: number) => void;
  onState?: (state: OutboxState) => void;
}

const DEFAULT_MAX_BATCH = 1_000;

export class EventOutbox {
  /**
   * The events Kafka has not taken, oldest first. A batch Kafka has taken leaves at once: an event
   * still referenced here for seconds after it went would outlive V8's young generation, thousands
   * a second, for the old generation to collect.
   */
  readonly #queue: OutboundEvent[] = [];
  #state: OutboxState = 'connecting';
  #opened = false;
  #attempt = 0;
  #failingSince: number | undefined;
  #lastError: string | undefined;
  #wake: (() => void) | undefined;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  readonly #o: Required<Pick<EventOutboxOptions, 'maxBatch' | 'random' | 'retryBaseMs' | 'retryCapMs'>> &
    EventOutboxOptions;
  /** events Kafka has taken */
  sent = 0;

  constructor(o: EventOutboxOptions) {
    if (!(o.bound >= 1)) throw new RangeError(`bound must be at least 1, got ${o.bound}`);
    this.#o = {
      maxBatch: DEFAULT_MAX_BATCH,
      random: Math.random,
      retryBaseMs: 200,
      retryCapMs: 5_000,
      ...o,
    };
  }

  get state(): OutboxState {
    return this.#state;
  }

  /** events waiting, the batch being sent included */
  get size(): number {
    return this.#queue.length;
  }

  get full(): boolean {
    return this.size >= this.#o.bound;
  }

  get bound(): number {
    return this.#o.bound;
  }

  /** since when sends have been failing (epoch ms), and the last failure; undefined while producing */
  get failing(): { since: number; error: string } | undefined {
    return this.#failingSince === undefined
      ? undefined
      : { since: this.#failingSince, error: this.#lastError ?? 'unknown' };
  }

  /** The oldest waiting event's eventTime. */
  get oldestTime(): number | undefined {
    return this.#queue[0]?.time;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  push(e: OutboundEvent): void {
    if (this.#state === 'closed') throw new RangeError('the outbox is closed');
    this.#queue.push(e);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * Sends what waits until `deadline` (epoch ms on the clock), then closes the producer. Resolves
   * with the events Kafka never took (the caller reports them: they are not dropped silently).
   */
  async close(deadline: number): Promise<number> {
    if (this.#state === 'closed') return this.size;
    const clock = this.#o.clock;
    while (this.size > 0 && this.#state === 'producing' && clock.now() < deadline) await clock.sleep(20);
    this.#stop.abort();
    this.#wake?.();
    // a send under way when Kafka is gone can take kafkajs' whole retry to fail: not past the deadline
    const late = new AbortController();
    await Promise.race([
      this.#loop,
      clock.sleep(Math.max(0, deadline - clock.now()) + 1_000, late.signal).catch(() => {}),
    ]);
    late.abort();
    this.#setState('closed');
    const closing = new AbortController();
    await Promise.race([
      this.#o.sink.close().catch(() => {}),
      clock.sleep(5_000, closing.signal).catch(() => {}),
    ]);
    closing.abort();
    return this.size;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let batch: OutboundEvent[] | undefined;
    while (!signal.aborted) {
      try {
        if (!this.#opened) {
          await this.#o.sink.open();
          this.#opened = true;
          this.#recovered();
        }
        if (this.size === 0) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        // a failed batch goes again as it was; only a batch that went lets new events in
        batch ??= this.#queue.slice(0, this.#o.maxBatch);
        await this.#o.sink.send(batch);
        // only `push` adds, at the end: the batch is still the queue's head
        this.#queue.splice(0, batch.length);
        this.sent += batch.length;
        const done = batch;
        batch = undefined;
        this.#recovered();
        this.#o.onSent?.(done, this.#o.clock.now());
      } catch (err) {
        if (signal.aborted) break;
        this.#failed(err);
        const ceiling = Math.min(
          this.#o.retryCapMs,
          this.#o.retryBaseMs * 2 ** Math.min(this.#attempt++, 20),
        );
        await this.#o.clock.sleep(this.#o.random() * ceiling, signal).catch(() => {});
      }
    }
  }

  #failed(err: unknown): void {
    const message = (err as Error | undefined)?.message ?? String(err);
    const first = this.#failingSince === undefined;
    this.#failingSince ??= this.#o.clock.now();
    if (first || message !== this.#lastError)
      this.#o.logger?.error(
        { err: { message }, buffered: this.size, bound: this.#o.bound },
        this.#opened
          ? 'Kafka did not take the events: holding them and sending again'
          : 'Kafka cannot be reached: holding the events until it can',
      );
    this.#lastError = message;
    this.#setState(this.#opened ? 'failing' : 'connecting');
  }

  #recovered(): void {
    this.#attempt = 0;
    if (this.#failingSince !== undefined) {
      this.#o.logger?.info(
        { downMs: this.#o.clock.now() - this.#failingSince, buffered: this.size },
        'Kafka takes the events again',
      );
      this.#failingSince = undefined;
      this.#lastError = undefined;
    }
    this.#setState('producing');
  }

  #setState(s: OutboxState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.#o.onState?.(s);
  }
}
