import type { Logger } from 'pino';
import type { ReadinessResult } from '../../observability/admin-server.js';
import type { Clock } from '../../time/clock.js';
import type { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import type {
  ChannelConnectedInfo,
  ChannelEvent,
  NotificationChannelsOptions,
  RejectedTopic,
} from '../../wfm/genesys-cloud/notification-channel.js';
import { type BaseSample, BaseSampleAssembler } from './base-samples.js';
import type { BridgeMetrics, ChannelCounts } from './bridge-metrics.js';
import { BridgeStoppedError } from './errors.js';
import { EventOutbox, type EventSink, type OutboundEvent, type OutboxState } from './event-outbox.js';
import { EventTemplate } from './event-template.js';
import { readLatestMetrics } from './gap-fill.js';
import { DEFAULT_REST_RETRY, type RestRetry } from './rest-retry.js';
import { TrunkChannels } from './trunk-channels.js';
import { discoverTrunks } from './trunk-discovery.js';
import type { MappedTrunk, TrunkMapping } from './trunk-mapping.js';
import { TrunkTopology } from './trunk-topology.js';
import { type InstanceSample, instanceOfTopic, readMetricsBody } from './trunk-wire.js';

/**
 * The bridge from Genesys Cloud trunk metrics to trunk utilization events in Kafka.
 *
 * It lists the org's BYOC trunks (rediscovered on a timer), holds every trunk instance's metrics
 * topic on notification channels, sums a trunk base's instances per eventTime (base-samples.ts),
 * and hands each base sample, as an event of docs/events.md keyed by the mapped trunk id, to the
 * outbox that sends it to Kafka. Notifications are not durable, so every time a socket was lost
 * or replaced, and on a timer, it reads the trunks' latest samples from REST: what a dropped
 * socket missed comes back that way, and what both paths bring is sent once.
 *
 * States: starting → running ⇄ paused → stopping → stopped. It pauses when the outbox holds
 * `bufferMaxEvents` events Kafka has not taken: the channels are closed (the bridge stops
 * reading, and says so), and it resumes, with new channels and a REST read of every trunk, once
 * Kafka has taken the outbox down to half of that. Every timer runs on the injected clock.
 */
export interface GenesysTrunkBridgeOptions {
  http: Pick<GenesysHttp, 'api'>;
  mapping: TrunkMapping;
  sink: EventSink;
  bufferMaxEvents: number;
  instanceWaitMs: number;
  rediscoverIntervalMs: number;
  gapFillIntervalMs: number;
  gapFillBatchSize: number;
  clock: Clock;
  random?: () => number;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  metrics?: BridgeMetrics;
  /** the notification channels' timing (heartbeat watchdog, reconnect pauses, renewal) */
  channels?: Pick<
    NotificationChannelsOptions,
    'heartbeatTimeoutMs' | 'reconnectBaseMs' | 'reconnectCapMs' | 'renewBeforeExpiryMs'
  >;
  restRetry?: Partial<Pick<RestRetry, 'attempts' | 'baseMs' | 'capMs'>>;
}

export type BridgeState = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

export type GapFillTrigger = 'start' | 'reconnect' | 'timer' | 'discovery' | 'resume' | 'malformed';

export interface BridgeStats {
  samplesReceived: { notification: number; rest: number };
  skipped: { unmapped: number; duplicate: number; stale: number; unknownTrunk: number };
  malformed: { notification: number; rest: number };
  /** events made (handed to the outbox) */
  eventsMade: number;
  /** events Kafka has taken */
  eventsProduced: number;
  partialEvents: number;
  /** REST reads of the latest samples, by what asked for them */
  gapFills: Record<GapFillTrigger, number>;
  /** instance samples REST brought that no notification had */
  gapsFilled: number;
  pauses: number;
  rejectedTopics: number;
  discoveries: number;
}

/** Progress as the terminal line and the status read it. */
export interface BridgeProgress {
  state: BridgeState;
  bases: number;
  mappedBases: number;
  instances: number;
  channels: number;
  channelsOpen: number;
  samplesIn: number;
  eventsOut: number;
  buffered: number;
  /** age of the newest event Kafka took, at the moment it took it, milliseconds */
  lagMs: number | undefined;
}

const NOTIFICATION_LOGGED_MALFORMED = 5;
/** A sample missing an instance, or a trunk REST says is gone, lists the trunks again at most this often, milliseconds. */
const MISSING_REDISCOVER_GAP_MS = 10_000;
/**
 * Trunks whose notification was malformed in one turn of the event loop are read from REST
 * together, at once: REST gives only a trunk's latest sample, so the read must come before the next.
 */
const REFILL_GATHER_MS = 0;

export class GenesysTrunkBridge {
  readonly stats: BridgeStats = {
    samplesReceived: { notification: 0, rest: 0 },
    skipped: { unmapped: 0, duplicate: 0, stale: 0, unknownTrunk: 0 },
    malformed: { notification: 0, rest: 0 },
    eventsMade: 0,
    eventsProduced: 0,
    partialEvents: 0,
    gapFills: { start: 0, reconnect: 0, timer: 0, discovery: 0, resume: 0, malformed: 0 },
    gapsFilled: 0,
    pauses: 0,
    rejectedTopics: 0,
    discoveries: 0,
  };
  readonly #o: GenesysTrunkBridgeOptions;
  readonly #log: GenesysTrunkBridgeOptions['logger'];
  readonly #topology: TrunkTopology;
  readonly #assembler: BaseSampleAssembler;
  readonly #outbox: EventOutbox;
  readonly #names = new Map<string, string>();
  readonly #stop = new AbortController();
  readonly #retry: RestRetry;
  #state: BridgeState = 'idle';
  readonly #channels: TrunkChannels;
  #dueTimer: AbortController | undefined;
  #loops: Promise<void>[] = [];
  #resuming: Promise<void> | undefined;
  #discovering: Promise<void> | undefined;
  #lastDiscoveryAt = Number.NEGATIVE_INFINITY;
  #lagMs: number | undefined;
  readonly #warned = new Set<string>();
  readonly #out: BaseSample[] = [];
  readonly #refills = new Set<string>();
  /** each mapped trunk's event text but its time and calls */
  readonly #templates = new WeakMap<MappedTrunk, EventTemplate>();

  constructor(o: GenesysTrunkBridgeOptions) {
    this.#o = o;
    this.#log = o.logger;
    this.#topology = new TrunkTopology(o.mapping);
    this.#assembler = new BaseSampleAssembler(o.instanceWaitMs);
    this.#retry = {
      ...DEFAULT_REST_RETRY,
      ...o.restRetry,
      clock: o.clock,
      random: o.random ?? Math.random,
      signal: this.#stop.signal,
      onRetry: (what, attempt, err) =>
        this.#log.warn(
          {
            attempt,
            err: { message: (err as Error)?.message, status: (err as { status?: unknown })?.status },
          },
          `${what} failed; trying again`,
        ),
    };
    this.#outbox = new EventOutbox({
      sink: o.sink,
      bound: o.bufferMaxEvents,
      maxBatch: 500,
      clock: o.clock,
      ...(o.random ? { random: o.random } : {}),
      logger: o.logger,
      onSent: (batch, now) => this.#sent(batch, now),
      onState: (s) => this.#outboxState(s),
    });
    this.#channels = new TrunkChannels({
      http: o.http,
      clock: o.clock,
      ...(o.random ? { random: o.random } : {}),
      logger: o.logger,
      ...(o.channels ? { timing: o.channels } : {}),
      onEvent: (e) => this.#onEvent(e),
      onConnected: (info) => this.#connected(info),
      onRejected: (r) => this.#rejected(r),
    });
    o.metrics?.observe(this);
  }

  get state(): BridgeState {
    return this.#state;
  }

  get outboxState(): OutboxState {
    return this.#outbox.state;
  }

  /** The channels' own counters, summed over every set of channels this bridge has held. */
  channelCounts(): ChannelCounts {
    return this.#channels.counts();
  }

  /**
   * Discovers the trunks, opens the channels, reads every trunk's latest sample and starts the
   * timers. Rejects when Genesys refuses (credentials, permissions) or the trunks need more than
   * 20 channels; a transient failure is tried again first.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle')
      throw new RangeError(`start() may be called once; the bridge is ${this.#state}`);
    this.#state = 'starting';
    this.#outbox.start();
    try {
      this.#lastDiscoveryAt = this.#o.clock.now();
      await this.#discover();
      await this.#channels.open(this.#topology.instances());
    } catch (err) {
      await this.stop(this.#o.clock.now());
      throw err;
    }
    if (this.#state !== 'starting') throw new BridgeStoppedError();
    this.#state = 'running';
    this.#log.info(
      { ...this.#topology.counts, channels: this.#channels.lanes.length },
      'bridge running: trunk metrics notifications held',
    );
    await this.#fill(this.#topology.instances(), 'start');
    this.#loops = [
      this.#every(this.#o.rediscoverIntervalMs, () => this.#rediscover()),
      this.#every(this.#o.gapFillIntervalMs, () => this.#timedFill()),
    ];
  }

  /**
   * Stops reading, sends every sample still waiting for its base's other instances with what it
   * has, gives Kafka until `deadline` (epoch ms) to take what the outbox holds, and closes.
   * Resolves with the events Kafka never took (logged loudly when any).
   */
  async stop(deadline: number): Promise<{ unsent: number }> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return { unsent: this.#outbox.size };
    this.#state = 'stopping';
    this.#stop.abort();
    this.#dueTimer?.abort();
    await this.#channels.close();
    await Promise.allSettled(this.#loops);
    this.#assembler.due(Number.POSITIVE_INFINITY, this.#out);
    this.#emit();
    const unsent = await this.#outbox.close(deadline);
    if (unsent > 0)
      this.#log.error(
        { unsent },
        `${unsent} events were never taken by Kafka before the bridge stopped: they are lost; the trunks' latest samples are read again from REST when the bridge starts`,
      );
    this.#state = 'stopped';
    return { unsent };
  }

  /** /readyz: the channels are open, and Kafka takes events. */
  readiness(): { channels: ReadinessResult; kafka: ReadinessResult } {
    const lanes = this.#channels.lanes;
    const open = lanes.filter((l) => l.state === 'open').length;
    const channelsReady = this.#state === 'running' && this.#channels.allOpen;
    const kafkaReady = this.#outbox.state === 'producing' && this.#state !== 'paused';
    const failing = this.#outbox.failing;
    return {
      channels: channelsReady
        ? { ready: true }
        : {
            ready: false,
            detail:
              this.#state === 'paused'
                ? 'not reading notifications: paused while Kafka does not take events'
                : `${this.#state}: ${open} of ${lanes.length} notification channels open`,
          },
      kafka: kafkaReady
        ? { ready: true }
        : {
            ready: false,
            detail: `${this.#state === 'paused' ? 'paused: ' : ''}Kafka ${this.#outbox.state}${failing ? ` since ${new Date(failing.since).toISOString()} (${failing.error})` : ''}; ${this.#outbox.size} events buffered of ${this.#outbox.bound}`,
          },
    };
  }

  progress(): BridgeProgress {
    const lanes = this.#channels.lanes;
    const c = this.#topology.counts;
    return {
      state: this.#state,
      bases: c.bases,
      mappedBases: c.mapped,
      instances: c.instances,
      channels: lanes.length,
      channelsOpen: lanes.filter((l) => l.state === 'open').length,
      samplesIn: this.stats.samplesReceived.notification + this.stats.samplesReceived.rest,
      eventsOut: this.stats.eventsProduced,
      buffered: this.#outbox.size,
      lagMs: this.#lagMs,
    };
  }

  // ─── notifications and REST samples in ────────────────────────────────────────────────────

  #onEvent(e: ChannelEvent): void {
    const id = instanceOfTopic(e.topicName);
    const s = id === undefined ? 'malformed' : readMetricsBody(e.eventBody, id);
    if (typeof s === 'string') {
      this.stats.malformed.notification++;
      if (this.stats.malformed.notification <= NOTIFICATION_LOGGED_MALFORMED)
        this.#log.warn(
          { topic: e.topicName, reason: s },
          `notification dropped: its body is no trunk metrics sample (counted; the first ${NOTIFICATION_LOGGED_MALFORMED} are logged); the trunk's latest sample is read from REST instead`,
        );
      // the trunk did report something: its latest sample, read from REST, stands in for it
      if (id !== undefined && this.#topology.baseOf(id) !== undefined) this.#refill(id);
      return;
    }
    this.#ingest(s, 'notification');
    this.#emit();
  }

  /** Trunks whose notification could not be read, gathered into one REST read. */
  #refill(instanceId: string): void {
    const first = this.#refills.size === 0;
    this.#refills.add(instanceId);
    if (!first) return;
    void this.#o.clock.sleep(REFILL_GATHER_MS, this.#stop.signal).then(
      () => {
        const ids = [...this.#refills];
        this.#refills.clear();
        return this.#fill(ids, 'malformed');
      },
      () => {},
    );
  }

  #ingest(s: InstanceSample, source: 'notification' | 'rest'): void {
    this.stats.samplesReceived[source]++;
    const baseId = this.#topology.baseOf(s.instanceId);
    const outcome =
      baseId === undefined
        ? 'unknown-instance'
        : !this.#topology.mapped(baseId)
          ? 'unmapped'
          : this.#assembler.add(baseId, s, this.#o.clock.now(), this.#out);
    if (outcome === 'unknown-instance') this.stats.skipped.unknownTrunk++;
    else if (outcome === 'unmapped') this.stats.skipped.unmapped++;
    else if (outcome === 'duplicate' || outcome === 'stale') this.stats.skipped[outcome]++;
    if (outcome !== 'pending' && outcome !== 'sent') return;
    if (source === 'rest') this.stats.gapsFilled++;
    if (outcome === 'pending' && !this.#dueTimer) this.#armDue();
  }

  /** Base samples made → events in the outbox. */
  #emit(): void {
    const out = this.#out;
    if (out.length === 0) return;
    if (this.#outbox.state === 'closed') {
      this.#log.error({ events: out.length }, 'samples made after the outbox closed are not sent');
      out.length = 0;
      return;
    }
    for (const b of out) {
      const m = this.#topology.mapped(b.baseId);
      if (!m) continue;
      if (b.reported < b.instances) this.stats.partialEvents++;
      if (b.activeCalls > m.capacity) this.#overCapacity(b, m.trunkId, m.capacity);
      let template = this.#templates.get(m);
      if (!template) {
        template = new EventTemplate(m);
        this.#templates.set(m, template);
      }
      const value = template.encode(b.time, b.activeCalls);
      this.#outbox.push({ key: m.trunkId, value, time: b.time });
      this.stats.eventsMade++;
    }
    out.length = 0;
    if (this.#outbox.full && this.#state === 'running') void this.#pause();
  }

  #overCapacity(b: BaseSample, trunkId: string, capacity: number): void {
    if (this.#warned.has(`capacity:${b.baseId}`)) return;
    this.#warned.add(`capacity:${b.baseId}`);
    this.#log.warn(
      { trunkBase: b.baseId, trunkId, activeCalls: b.activeCalls, capacity },
      `trunk ${trunkId}: ${b.activeCalls} calls up, over its mapped capacity ${capacity}; the event is sent as it is (the reactor dead-letters it): raise its capacity in bridge.genesysCloud.trunks`,
    );
  }

  /**
   * Sends the samples whose wait for their base's other instances ran out. Such a sample misses
   * an instance: the trunks are listed again first (at most every MISSING_REDISCOVER_GAP_MS), so an
   * instance the org has dropped is not carried into the sum, and one it has added is waited for.
   */
  #armDue(): void {
    const at = this.#assembler.nextDueAt();
    if (at === undefined || this.#stop.signal.aborted) return;
    const timer = new AbortController();
    this.#dueTimer = timer;
    this.#o.clock.sleep(Math.max(0, at - this.#o.clock.now()), timer.signal).then(
      async () => {
        const due = this.#assembler.nextDueAt();
        if (due !== undefined && due <= this.#o.clock.now()) await this.#rediscoverSoon();
        if (this.#dueTimer === timer) this.#dueTimer = undefined;
        if (this.#stop.signal.aborted) return;
        this.#assembler.due(this.#o.clock.now(), this.#out);
        this.#emit();
        if (!this.#dueTimer) this.#armDue();
      },
      () => {},
    );
  }

  // ─── Kafka out ────────────────────────────────────────────────────────────────────────────

  #sent(batch: readonly OutboundEvent[], now: number): void {
    this.stats.eventsProduced += batch.length;
    const age = this.#o.metrics?.eventAge;
    if (age) for (const e of batch) age.observe(Math.max(0, now - e.time) / 1000);
    this.#lagMs = now - batch[batch.length - 1]!.time;
    if (this.#state === 'paused' && this.#outbox.size <= this.#outbox.bound / 2) void this.#resume();
  }

  #outboxState(s: OutboxState): void {
    this.#log.debug({ kafka: s }, 'Kafka producer state');
  }

  /**
   * The outbox is full: stop reading. The channels are closed rather than left to fill memory:
   * what Genesys publishes meanwhile is lost (it is not durable), and the REST read on resume
   * gives each trunk's latest sample.
   */
  async #pause(): Promise<void> {
    this.#state = 'paused';
    this.stats.pauses++;
    const failing = this.#outbox.failing;
    this.#log.error(
      {
        buffered: this.#outbox.size,
        bound: this.#outbox.bound,
        kafka: this.#outbox.state,
        ...(failing ? { since: new Date(failing.since).toISOString(), error: failing.error } : {}),
      },
      `PAUSED: Kafka has not taken ${this.#outbox.size} events (bufferMaxEvents ${this.#outbox.bound}): the bridge stops reading trunk notifications until Kafka takes them down to ${Math.floor(this.#outbox.bound / 2)}. Samples published meanwhile are not read; on resume each trunk's latest sample is read from REST`,
    );
    await this.#channels.close();
    // Kafka may have caught up while the channels closed
    if (this.#state === 'paused' && this.#outbox.size <= this.#outbox.bound / 2) void this.#resume();
  }

  #resume(): Promise<void> {
    this.#resuming ??= (async () => {
      while (this.#state === 'paused') {
        try {
          await this.#channels.open(this.#topology.instances());
        } catch (err) {
          if (this.#state !== 'paused') return;
          this.#log.error(
            { err: { message: (err as Error).message } },
            'the notification channels could not be opened again; trying again',
          );
          await this.#channels.close();
          await this.#o.clock.sleep(5_000, this.#stop.signal).catch(() => {});
          continue;
        }
        if (this.#state !== 'paused') return;
        this.#state = 'running';
        this.#log.warn(
          { buffered: this.#outbox.size },
          'RESUMED: Kafka takes events again; reading trunk notifications again',
        );
        await this.#fill(this.#topology.instances(), 'resume');
      }
    })().finally(() => {
      this.#resuming = undefined;
    });
    return this.#resuming;
  }

  // ─── channels ─────────────────────────────────────────────────────────────────────────────

  #connected(info: ChannelConnectedInfo): void {
    if (!info.reconnect || this.#state !== 'running') return;
    const instances = info.topics.flatMap((t) => {
      const id = instanceOfTopic(t);
      return id === undefined ? [] : [id];
    });
    void this.#fill(instances, 'reconnect');
  }

  #rejected(list: RejectedTopic[]): void {
    this.stats.rejectedTopics += list.length;
    const missing = [...new Set(list.flatMap((r) => r.missingPermissions ?? []))];
    if (missing.length > 0 && !this.#warned.has('permissions')) {
      this.#warned.add('permissions');
      this.#log.error(
        { missingPermissions: missing, topics: list.length },
        "trunk metrics topics refused for missing permissions: grant the OAuth client's role telephony:plugin:all",
      );
    }
  }

  // ─── discovery and gap filling ────────────────────────────────────────────────────────────

  async #discover(): Promise<{ added: string[]; removed: string[] }> {
    const d = await discoverTrunks(this.#o.http, this.#retry, this.#names);
    this.stats.discoveries++;
    const change = this.#topology.apply(d.bases);
    for (const b of change.changedBases) this.#assembler.setInstances(b.baseId, b.instances, this.#out);
    for (const id of change.removedBases) this.#assembler.removeBase(id, this.#out);
    this.#emit();
    for (const base of change.unmapped)
      this.#log.warn(
        { trunkBase: base.id, name: base.name, instances: base.instances.length },
        `trunk base '${base.name ?? base.id}' has no mapping in bridge.genesysCloud.trunks: its samples are counted and skipped (list it by id or name to bridge it)`,
      );
    for (const c of change.conflicts)
      this.#log.error(
        { trunkBase: c.base.id, name: c.base.name, trunkId: c.trunkId, heldBy: c.heldBy },
        `trunk base '${c.base.name ?? c.base.id}' maps to trunk id ${c.trunkId}, which trunk base ${c.heldBy} already has: its samples are skipped (give each base its own trunkId)`,
      );
    if (change.addedInstances.length > 0 || change.removedInstances.length > 0)
      this.#log.info(
        {
          added: change.addedInstances.length,
          removed: change.removedInstances.length,
          ...this.#topology.counts,
          skippedEntities: d.skipped,
        },
        'trunks discovered',
      );
    return { added: change.addedInstances, removed: change.removedInstances };
  }

  /** Lists the trunks again and follows what changed; one listing at a time. */
  #rediscover(): Promise<void> {
    this.#discovering ??= (async () => {
      this.#lastDiscoveryAt = this.#o.clock.now();
      const { added, removed } = await this.#discover();
      // while paused the channels are closed; resuming subscribes the whole set again
      if (!this.#channels.held || this.#state !== 'running') return;
      await this.#channels.follow(added, removed);
      if (added.length > 0) await this.#fill(added, 'discovery');
    })().finally(() => {
      this.#discovering = undefined;
    });
    return this.#discovering;
  }

  /** A rediscovery a sign of a changed org asks for: not more often than MISSING_REDISCOVER_GAP_MS. */
  async #rediscoverSoon(): Promise<void> {
    if (this.#state !== 'running') return;
    if (!this.#discovering && this.#o.clock.now() - this.#lastDiscoveryAt < MISSING_REDISCOVER_GAP_MS) return;
    try {
      await this.#rediscover();
    } catch (err) {
      if (err instanceof BridgeStoppedError) return;
      this.#log.warn(
        { err: { message: (err as Error).message } },
        'listing the trunks again failed; the next turn tries again',
      );
    }
  }

  #timedFilling = false;

  async #timedFill(): Promise<void> {
    if (this.#timedFilling || this.#state !== 'running') return;
    this.#timedFilling = true;
    try {
      await this.#fill(this.#topology.instances(), 'timer');
    } finally {
      this.#timedFilling = false;
    }
  }

  /** Every given trunk's latest sample from REST, taken like a notification. */
  async #fill(instances: readonly string[], trigger: GapFillTrigger): Promise<void> {
    if (instances.length === 0 || this.#state !== 'running') return;
    this.stats.gapFills[trigger]++;
    try {
      const r = await readLatestMetrics(
        this.#o.http,
        instances,
        this.#o.gapFillBatchSize,
        this.#retry,
        (batch) => {
          for (const s of batch) this.#ingest(s, 'rest');
          this.#emit();
        },
      );
      if (r.gone.length > 0) {
        this.#log.info(
          { gone: r.gone.length, trigger },
          'trunks the org no longer has: listing the trunks again',
        );
        void this.#rediscoverSoon();
      }
      if (r.malformed > 0) {
        this.stats.malformed.rest += r.malformed;
        this.#log.warn(
          { malformed: r.malformed, trigger },
          'trunk metrics read from REST: entries that are no sample were skipped',
        );
      }
      this.#log.debug(
        { trigger, trunks: instances.length, samples: r.samples, requests: r.requests },
        'gap fill',
      );
    } catch (err) {
      if (err instanceof BridgeStoppedError) return;
      this.#log.warn(
        {
          trigger,
          trunks: instances.length,
          err: { message: (err as Error).message, code: (err as { code?: unknown }).code },
        },
        'reading the latest trunk metrics from REST failed; the next reconnect or timed read tries again',
      );
    }
  }

  /** Runs `task` every `ms` until the bridge stops; a failure is logged, never the end of the loop. */
  async #every(ms: number, task: () => Promise<void>): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#o.clock.sleep(ms, signal);
      } catch {
        return;
      }
      try {
        await task();
      } catch (err) {
        if (signal.aborted || err instanceof BridgeStoppedError) return;
        this.#log.warn(
          { err: { message: (err as Error).message, code: (err as { code?: unknown }).code } },
          'bridge: a timed task failed; it runs again at its next turn',
        );
      }
    }
  }
}
