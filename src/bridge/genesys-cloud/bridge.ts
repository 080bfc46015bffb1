import type { Logger } from 'pino';
import type { ReadinessResult } from '../../observability/admin-server.js';
import type { Clock } from '../../time/clock.js';
import type { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import type {
  ChannelConnectedInfo,
  NotificationChannelsOptions,
  RejectedTopic,
} from '../../wfm/genesys-cloud/notification-channel.js';
import type { BridgeMetrics, ChannelCounts } from './bridge-metrics.js';
import { type BridgeProgress, type BridgeState, type BridgeStats, emptyBridgeStats } from './bridge-stats.js';
import { BridgeStoppedError } from './errors.js';
import { EventOutbox, type EventSink, type OutboundEvent, type OutboxState } from './event-outbox.js';
import { DEFAULT_REST_RETRY, type RestRetry } from './rest-retry.js';
import { SampleIntake } from './sample-intake.js';
import { TrunkChannels } from './trunk-channels.js';
import type { TrunkMapping } from './trunk-mapping.js';
import { TrunkReads } from './trunk-reads.js';
import { TrunkTopology } from './trunk-topology.js';
import { instanceOfTopic } from './trunk-wire.js';

export type { BridgeProgress, BridgeState, BridgeStats, GapFillTrigger } from './bridge-stats.js';

/**
 * The bridge from Genesys Cloud trunk metrics to trunk utilization events in Kafka.
 *
 * It lists the org's BYOC trunks (rediscovered on a timer), holds every trunk instance's metrics
 * topic on notification channels, sums a trunk base's instances per eventTime (sample-intake.ts,
 * base-samples.ts), and hands each base sample, as an event of docs/events.md keyed by the mapped
 * trunk id, to the outbox that sends it to Kafka. Notifications are not durable, so every time a
 * socket was lost or replaced, and on a timer, it reads the trunks' latest samples from REST
 * (trunk-reads.ts): what a dropped socket missed comes back that way, and what both paths bring
 * is sent once.
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

export class GenesysTrunkBridge {
  readonly stats: BridgeStats = emptyBridgeStats();
  readonly #o: GenesysTrunkBridgeOptions;
  readonly #log: GenesysTrunkBridgeOptions['logger'];
  readonly #topology: TrunkTopology;
  readonly #outbox: EventOutbox;
  readonly #intake: SampleIntake;
  readonly #reads: TrunkReads;
  readonly #channels: TrunkChannels;
  readonly #stop = new AbortController();
  #state: BridgeState = 'idle';
  #loops: Promise<void>[] = [];
  #resuming: Promise<void> | undefined;
  #lagMs: number | undefined;
  #permissionsReported = false;

  constructor(o: GenesysTrunkBridgeOptions) {
    this.#o = o;
    this.#log = o.logger;
    this.#topology = new TrunkTopology(o.mapping);
    const retry: RestRetry = {
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
    this.#intake = new SampleIntake({
      topology: this.#topology,
      outbox: this.#outbox,
      stats: this.stats,
      instanceWaitMs: o.instanceWaitMs,
      clock: o.clock,
      signal: this.#stop.signal,
      logger: o.logger,
      refill: (ids) => this.#reads.fill(ids, 'malformed'),
      missingInstance: () => this.#reads.rediscoverSoon(),
      full: () => {
        if (this.#state === 'running') void this.#pause();
      },
    });
    this.#channels = new TrunkChannels({
      http: o.http,
      clock: o.clock,
      ...(o.random ? { random: o.random } : {}),
      logger: o.logger,
      ...(o.channels ? { timing: o.channels } : {}),
      onEvent: (e) => this.#intake.notification(e),
      onConnected: (info) => this.#connected(info),
      onRejected: (r) => this.#rejected(r),
    });
    this.#reads = new TrunkReads({
      http: o.http,
      retry,
      topology: this.#topology,
      intake: this.#intake,
      channels: this.#channels,
      stats: this.stats,
      gapFillBatchSize: o.gapFillBatchSize,
      clock: o.clock,
      logger: o.logger,
      state: () => this.#state,
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
      await this.#reads.discover();
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
    await this.#reads.fill(this.#topology.instances(), 'start');
    this.#loops = [
      this.#every(this.#o.rediscoverIntervalMs, () => this.#reads.rediscover()),
      this.#every(this.#o.gapFillIntervalMs, () => this.#reads.timedFill()),
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
    this.#intake.stop();
    await this.#channels.close();
    await Promise.allSettled(this.#loops);
    this.#intake.flush();
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
        await this.#reads.fill(this.#topology.instances(), 'resume');
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
    void this.#reads.fill(instances, 'reconnect');
  }

  #rejected(list: RejectedTopic[]): void {
    this.stats.rejectedTopics += list.length;
    const missing = [...new Set(list.flatMap((r) => r.missingPermissions ?? []))];
    if (missing.length > 0 && !this.#permissionsReported) {
      this.#permissionsReported = true;
      this.#log.error(
        { missingPermissions: missing, topics: list.length },
        "trunk metrics topics refused for missing permissions: grant the OAuth client's role telephony:plugin:all",
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
