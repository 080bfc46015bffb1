import { parseInstantFast } from '../../time/instant.js';

/**
 * Genesys Cloud's trunk shapes as the bridge reads them (SDK models `Trunk`, `TrunkEntityListing`,
 * `TrunkMetrics`, `TrunkMetricsTopicTrunkMetrics`). Nothing here throws on a body of the wrong
 * shape: a notification or a REST entry is either a sample or a reason it is not one, so one bad
 * body is counted and the stream goes on.
 */

export const TRUNKS_PATH = '/api/v2/telephony/providers/edges/trunks';
export const TRUNK_METRICS_PATH = `${TRUNKS_PATH}/metrics`;
export const TRUNK_BASES_PATH = '/api/v2/telephony/providers/edges/trunkbasesettings';

const TOPIC_PREFIX = 'v2.telephony.providers.edges.trunks.';
const TOPIC_SUFFIX = '.metrics';

/** `v2.telephony.providers.edges.trunks.{id}.metrics`: one trunk instance's call counts. */
export function metricsTopic(instanceId: string): string {
  return `${TOPIC_PREFIX}${instanceId}${TOPIC_SUFFIX}`;
}

/** The trunk instance a metrics topic names, or undefined for any other topic. */
export function instanceOfTopic(topic: string): string | undefined {
  if (!topic.startsWith(TOPIC_PREFIX) || !topic.endsWith(TOPIC_SUFFIX)) return undefined;
  const id = topic.slice(TOPIC_PREFIX.length, topic.length - TOPIC_SUFFIX.length);
  return id.length > 0 && !id.includes('.') ? id : undefined;
}

/** One trunk instance's sample: calls up (inbound + outbound) at `time`. */
export interface InstanceSample {
  instanceId: string;
  /** epoch milliseconds, as Genesys stamped it */
  time: number;
  calls: number;
}

/** Why a body is no sample. `empty`: a REST entry for a trunk with no metrics yet (not a fault). */
export type SampleRefusal = 'empty' | 'malformed' | 'other-trunk';

function count(v: unknown): number | undefined {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/**
 * A metrics body (`{trunk{id,name}, eventTime, calls{inboundCallCount,outboundCallCount}, qos}`)
 * as a sample of `instanceId`, the trunk its topic names; for a REST entry, `instanceId` is
 * undefined and the body's own `trunk.id` says which. A count that is absent reads as 0 (the
 * SDK marks both optional); `calls` itself absent, an eventTime without an offset, a negative or
 * fractional count, or a body naming another trunk than its topic is malformed.
 */
export function readMetricsBody(body: unknown, instanceId?: string): InstanceSample | SampleRefusal {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'malformed';
  const b = body as { trunk?: unknown; eventTime?: unknown; calls?: unknown };
  const trunk = b.trunk as { id?: unknown } | null | undefined;
  const named = trunk !== null && typeof trunk === 'object' ? trunk.id : undefined;
  if (named !== undefined && typeof named !== 'string') return 'malformed';
  const id = instanceId ?? named;
  if (typeof id !== 'string' || id === '') return 'malformed';
  if (instanceId !== undefined && named !== undefined && named !== instanceId) return 'other-trunk';
  if (b.eventTime === undefined && b.calls === undefined) return 'empty';
  if (typeof b.eventTime !== 'string') return 'malformed';
  const time = parseInstantFast(b.eventTime);
  if (time === undefined) return 'malformed';
  const calls = b.calls as { inboundCallCount?: unknown; outboundCallCount?: unknown } | null;
  if (calls === null || typeof calls !== 'object') return 'malformed';
  const inbound = count(calls.inboundCallCount);
  const outbound = count(calls.outboundCallCount);
  if (inbound === undefined || outbound === undefined) return 'malformed';
  return { instanceId: id, time, calls: inbound + outbound };
}

/** One trunk instance of a listing, reduced to what the bridge needs. */
export interface TrunkInstance {
  id: string;
  name: string | undefined;
  baseId: string;
  /** the trunk base's name when the listing carries it in the `trunkBase` reference */
  baseName: string | undefined;
}

export interface TrunkPage {
  instances: TrunkInstance[];
  /** entities left out: no id, no trunk base, or deleted */
  skipped: number;
  pageCount: number | undefined;
  /** the page size the server used */
  pageSize: number | undefined;
  /** entities on this page, kept or not */
  entities: number;
}

/** A `TrunkEntityListing` page; undefined when it is not one (no `entities` array). */
export function readTrunkPage(body: unknown): TrunkPage | undefined {
  const b = body as { entities?: unknown; pageCount?: unknown; pageSize?: unknown } | null;
  if (b === null || typeof b !== 'object' || !Array.isArray(b.entities)) return undefined;
  const instances: TrunkInstance[] = [];
  let skipped = 0;
  for (const e of b.entities as unknown[]) {
    const t = e as {
      id?: unknown;
      name?: unknown;
      state?: unknown;
      trunkBase?: { id?: unknown; name?: unknown } | null;
    } | null;
    const baseId = t?.trunkBase?.id;
    if (
      t === null ||
      typeof t !== 'object' ||
      typeof t.id !== 'string' ||
      t.id === '' ||
      typeof baseId !== 'string' ||
      baseId === '' ||
      t.state === 'deleted'
    ) {
      skipped++;
      continue;
    }
    const baseName = t.trunkBase?.name;
    instances.push({
      id: t.id,
      name: typeof t.name === 'string' ? t.name : undefined,
      baseId,
      baseName: typeof baseName === 'string' && baseName !== '' ? baseName : undefined,
    });
  }
  return {
    instances,
    skipped,
    pageCount: typeof b.pageCount === 'number' ? b.pageCount : undefined,
    pageSize: typeof b.pageSize === 'number' && b.pageSize > 0 ? b.pageSize : undefined,
    entities: b.entities.length,
  };
}
