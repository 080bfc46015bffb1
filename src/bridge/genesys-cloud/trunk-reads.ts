import type { Logger } from 'pino';
import type { Clock } from '../../time/clock.js';
import type { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import type { BridgeState, BridgeStats, GapFillTrigger } from './bridge-stats.js';
import { BridgeStoppedError } from './errors.js';
import { readLatestMetrics } from './gap-fill.js';
import type { RestRetry } from './rest-retry.js';
import type { SampleIntake } from './sample-intake.js';
import type { TrunkChannels } from './trunk-channels.js';
import { discoverTrunks } from './trunk-discovery.js';
import type { TrunkTopology } from './trunk-topology.js';

export interface TrunkReadsOptions {
  http: Pick<GenesysHttp, 'api'>;
  retry: RestRetry;
  topology: TrunkTopology;
  intake: SampleIntake;
  channels: TrunkChannels;
  stats: BridgeStats;
  gapFillBatchSize: number;
  clock: Clock;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** the bridge's state now: the REST reads and the channels' follow-up are made only while it runs */
  state(): BridgeState;
}

/** A sample missing an instance, or a trunk REST says is gone, lists the trunks again at most this often, milliseconds. */
const MISSING_REDISCOVER_GAP_MS = 10_000;

/**
 * The bridge's REST reads: the listing of the org's trunks (at start, on a timer, and when a sign
 * of a changed org asks for it), followed into the topology, the samples and the channels; and
 * the trunks' latest samples (gap filling), taken like notifications.
 */
export class TrunkReads {
  readonly #o: TrunkReadsOptions;
  readonly #names = new Map<string, string>();
  #discovering: Promise<void> | undefined;
  #lastDiscoveryAt = Number.NEGATIVE_INFINITY;
  #timedFilling = false;

  constructor(o: TrunkReadsOptions) {
    this.#o = o;
  }

  /** Lists the trunks and follows what changed in the topology and the samples; answers the instances that came and went. */
  async discover(): Promise<{ added: string[]; removed: string[] }> {
    const { topology, logger: log } = this.#o;
    this.#lastDiscoveryAt = this.#o.clock.now();
    const d = await discoverTrunks(this.#o.http, this.#o.retry, this.#names);
    this.#o.stats.discoveries++;
    const change = topology.apply(d.bases);
    this.#o.intake.apply(change);
    for (const base of change.unmapped)
      log.warn(
        { trunkBase: base.id, name: base.name, instances: base.instances.length },
        `trunk base '${base.name ?? base.id}' has no mapping in bridge.genesysCloud.trunks: its samples are counted and skipped (list it by id or name to bridge it)`,
      );
    for (const c of change.conflicts)
      log.error(
        { trunkBase: c.base.id, name: c.base.name, trunkId: c.trunkId, heldBy: c.heldBy },
        `trunk base '${c.base.name ?? c.base.id}' maps to trunk id ${c.trunkId}, which trunk base ${c.heldBy} already has: its samples are skipped (give each base its own trunkId)`,
      );
    if (change.addedInstances.length > 0 || change.removedInstances.length > 0)
      log.info(
        {
          added: change.addedInstances.length,
          removed: change.removedInstances.length,
          ...topology.counts,
          skippedEntities: d.skipped,
        },
        'trunks discovered',
      );
    return { added: change.addedInstances, removed: change.removedInstances };
  }

  /** Lists the trunks again and follows what changed, the channels too; one listing at a time. */
  rediscover(): Promise<void> {
    this.#discovering ??= (async () => {
      const { added, removed } = await this.discover();
      // while paused the channels are closed; resuming subscribes the whole set again
      if (!this.#o.channels.held || this.#o.state() !== 'running') return;
      await this.#o.channels.follow(added, removed);
      if (added.length > 0) await this.fill(added, 'discovery');
    })().finally(() => {
      this.#discovering = undefined;
    });
    return this.#discovering;
  }

  /** A rediscovery a sign of a changed org asks for: not more often than MISSING_REDISCOVER_GAP_MS. */
  async rediscoverSoon(): Promise<void> {
    if (this.#o.state() !== 'running') return;
    if (!this.#discovering && this.#o.clock.now() - this.#lastDiscoveryAt < MISSING_REDISCOVER_GAP_MS) return;
    try {
      await this.rediscover();
    } catch (err) {
      if (err instanceof BridgeStoppedError) return;
      this.#o.logger.warn(
        { err: { message: (err as Error).message } },
        'listing the trunks again failed; the next turn tries again',
      );
    }
  }

  /** Every trunk's latest sample, on the timer; a read still under way is not doubled. */
  async timedFill(): Promise<void> {
    if (this.#timedFilling || this.#o.state() !== 'running') return;
    this.#timedFilling = true;
    try {
      await this.fill(this.#o.topology.instances(), 'timer');
    } finally {
      this.#timedFilling = false;
    }
  }

  /** Every given trunk's latest sample from REST, taken like a notification. */
  async fill(instances: readonly string[], trigger: GapFillTrigger): Promise<void> {
    if (instances.length === 0 || this.#o.state() !== 'running') return;
    const log = this.#o.logger;
    this.#o.stats.gapFills[trigger]++;
    try {
      const r = await readLatestMetrics(
        this.#o.http,
        instances,
        this.#o.gapFillBatchSize,
        this.#o.retry,
        (batch) => this.#o.intake.rest(batch),
      );
      if (r.gone.length > 0) {
        log.info({ gone: r.gone.length, trigger }, 'trunks the org no longer has: listing the trunks again');
        void this.rediscoverSoon();
      }
      if (r.malformed > 0) {
        this.#o.stats.malformed.rest += r.malformed;
        log.warn(
          { malformed: r.malformed, trigger },
          'trunk metrics read from REST: entries that are no sample were skipped',
        );
      }
      log.debug({ trigger, trunks: instances.length, samples: r.samples, requests: r.requests }, 'gap fill');
    } catch (err) {
      if (err instanceof BridgeStoppedError) return;
      log.warn(
        {
          trigger,
          trunks: instances.length,
          err: { message: (err as Error).message, code: (err as { code?: unknown }).code },
        },
        'reading the latest trunk metrics from REST failed; the next reconnect or timed read tries again',
      );
    }
  }
}
