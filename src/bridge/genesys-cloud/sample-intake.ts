import type { Logger } from 'pino';
import type { Clock } from '../../time/clock.js';
import type { ChannelEvent } from '../../wfm/genesys-cloud/notification-channel.js';
import { type BaseSample, BaseSampleAssembler } from './base-samples.js';
import type { BridgeStats } from './bridge-stats.js';
import type { EventOutbox } from './event-outbox.js';
import { EventTemplate } from './event-template.js';
import type { MappedTrunk } from './trunk-mapping.js';
import type { TopologyChange, TrunkTopology } from './trunk-topology.js';
import { type InstanceSample, instanceOfTopic, readMetricsBody } from './trunk-wire.js';

export interface SampleIntakeOptions {
  topology: TrunkTopology;
  outbox: EventOutbox;
  stats: BridgeStats;
  instanceWaitMs: number;
  clock: Clock;
  /** aborted when the bridge stops */
  signal: AbortSignal;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** trunks whose notification could not be read: their latest samples are read from REST */
  refill(instanceIds: string[]): Promise<void>;
  /** a sample's wait for its base's other instances ran out: the org's trunks may have changed */
  missingInstance(): Promise<void>;
  /** the outbox holds its bound of events */
  full(): void;
}

const NOTIFICATION_LOGGED_MALFORMED = 5;
/**
 * Trunks whose notification was malformed in one turn of the event loop are read from REST
 * together, at once: REST gives only a trunk's latest sample, so the read must come before the next.
 */
const REFILL_GATHER_MS = 0;

/**
 * Instance samples in, events out: each notification or REST sample of a mapped trunk instance
 * goes to its base's sum (base-samples.ts), and each base sample made becomes an event of
 * docs/events.md, keyed by the mapped trunk id, in the outbox. A sample still waiting for its
 * base's other instances goes when its wait runs out, with what it has.
 */
export class SampleIntake {
  readonly #o: SampleIntakeOptions;
  readonly #assembler: BaseSampleAssembler;
  readonly #out: BaseSample[] = [];
  readonly #refills = new Set<string>();
  /** each mapped trunk's event text but its time and calls */
  readonly #templates = new WeakMap<MappedTrunk, EventTemplate>();
  /** bases already named on the log for calls over their capacity */
  readonly #overCapacityWarned = new Set<string>();
  #dueTimer: AbortController | undefined;

  constructor(o: SampleIntakeOptions) {
    this.#o = o;
    this.#assembler = new BaseSampleAssembler(o.instanceWaitMs);
  }

  /** A notification on an instance's metrics topic. */
  notification(e: ChannelEvent): void {
    const { stats, topology } = this.#o;
    const id = instanceOfTopic(e.topicName);
    const s = id === undefined ? 'malformed' : readMetricsBody(e.eventBody, id);
    if (typeof s === 'string') {
      stats.malformed.notification++;
      if (stats.malformed.notification <= NOTIFICATION_LOGGED_MALFORMED)
        this.#o.logger.warn(
          { topic: e.topicName, reason: s },
          `notification dropped: its body is no trunk metrics sample (counted; the first ${NOTIFICATION_LOGGED_MALFORMED} are logged); the trunk's latest sample is read from REST instead`,
        );
      // the trunk did report something: its latest sample, read from REST, stands in for it
      if (id !== undefined && topology.baseOf(id) !== undefined) this.#refill(id);
      return;
    }
    this.#ingest(s, 'notification');
    this.#emit();
  }

  /** Samples a REST read brought, taken like notifications. */
  rest(batch: readonly InstanceSample[]): void {
    for (const s of batch) this.#ingest(s, 'rest');
    this.#emit();
  }

  /** Follows a discovery: bases whose instances changed or that went send what waited on them. */
  apply(change: TopologyChange): void {
    for (const b of change.changedBases) this.#assembler.setInstances(b.baseId, b.instances, this.#out);
    for (const id of change.removedBases) this.#assembler.removeBase(id, this.#out);
    this.#emit();
  }

  /** Stops the due timer. */
  stop(): void {
    this.#dueTimer?.abort();
  }

  /** Sends every sample still waiting for its base's other instances, with what it has. */
  flush(): void {
    this.#assembler.due(Number.POSITIVE_INFINITY, this.#out);
    this.#emit();
  }

  /** Trunks whose notification could not be read, gathered into one REST read. */
  #refill(instanceId: string): void {
    const first = this.#refills.size === 0;
    this.#refills.add(instanceId);
    if (!first) return;
    void this.#o.clock.sleep(REFILL_GATHER_MS, this.#o.signal).then(
      () => {
        const ids = [...this.#refills];
        this.#refills.clear();
        return this.#o.refill(ids);
      },
      () => {},
    );
  }

  #ingest(s: InstanceSample, source: 'notification' | 'rest'): void {
    const { stats, topology } = this.#o;
    stats.samplesReceived[source]++;
    const baseId = topology.baseOf(s.instanceId);
    const outcome =
      baseId === undefined
        ? 'unknown-instance'
        : !topology.mapped(baseId)
          ? 'unmapped'
          : this.#assembler.add(baseId, s, this.#o.clock.now(), this.#out);
    if (outcome === 'unknown-instance') stats.skipped.unknownTrunk++;
    else if (outcome === 'unmapped') stats.skipped.unmapped++;
    else if (outcome === 'duplicate' || outcome === 'stale') stats.skipped[outcome]++;
    if (outcome !== 'pending' && outcome !== 'sent') return;
    if (source === 'rest') stats.gapsFilled++;
    if (outcome === 'pending' && !this.#dueTimer) this.#armDue();
  }

  /** Base samples made → events in the outbox. */
  #emit(): void {
    const { outbox, stats, topology } = this.#o;
    const out = this.#out;
    if (out.length === 0) return;
    if (outbox.state === 'closed') {
      this.#o.logger.error({ events: out.length }, 'samples made after the outbox closed are not sent');
      out.length = 0;
      return;
    }
    for (const b of out) {
      const m = topology.mapped(b.baseId);
      if (!m) continue;
      if (b.reported < b.instances) stats.partialEvents++;
      if (b.activeCalls > m.capacity) this.#overCapacity(b, m.trunkId, m.capacity);
      let template = this.#templates.get(m);
      if (!template) {
        template = new EventTemplate(m);
        this.#templates.set(m, template);
      }
      const value = template.encode(b.time, b.activeCalls);
      outbox.push({ key: m.trunkId, value, time: b.time });
      stats.eventsMade++;
    }
    out.length = 0;
    if (outbox.full) this.#o.full();
  }

  #overCapacity(b: BaseSample, trunkId: string, capacity: number): void {
    if (this.#overCapacityWarned.has(b.baseId)) return;
    this.#overCapacityWarned.add(b.baseId);
    this.#o.logger.warn(
      { trunkBase: b.baseId, trunkId, activeCalls: b.activeCalls, capacity },
      `trunk ${trunkId}: ${b.activeCalls} calls up, over its mapped capacity ${capacity}; the event is sent as it is (the reactor dead-letters it): raise its capacity in bridge.genesysCloud.trunks`,
    );
  }

  /**
   * Sends the samples whose wait for their base's other instances ran out. Such a sample misses
   * an instance: the trunks are listed again first (`missingInstance`), so an instance the org
   * has dropped is not carried into the sum, and one it has added is waited for.
   */
  #armDue(): void {
    const { clock, signal } = this.#o;
    const at = this.#assembler.nextDueAt();
    if (at === undefined || signal.aborted) return;
    const timer = new AbortController();
    this.#dueTimer = timer;
    clock.sleep(Math.max(0, at - clock.now()), timer.signal).then(
      async () => {
        const due = this.#assembler.nextDueAt();
        if (due !== undefined && due <= clock.now()) await this.#o.missingInstance();
        if (this.#dueTimer === timer) this.#dueTimer = undefined;
        if (signal.aborted) return;
        this.#assembler.due(clock.now(), this.#out);
        this.#emit();
        if (!this.#dueTimer) this.#armDue();
      },
      () => {},
    );
  }
}
