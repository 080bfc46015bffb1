import type { InstanceSample, TrunkBase, TrunkInstance } from './trunk-org.js';
import type { MalformedKind } from './trunk-produced.js';
import { API, iso } from './wire.js';

export const EDGES = `${API}/telephony/providers/edges`;

/** The topic a trunk instance's call counts are announced on. */
export function metricsTopic(trunkId: string): string {
  return `v2.telephony.providers.edges.trunks.${trunkId}.metrics`;
}

const DIVISION = {
  id: 'home-division',
  name: 'Home',
  selfUri: `${API}/authorization/divisions/home-division`,
};

const METABASES = {
  EXTERNAL: {
    id: 'external_sip_pcv_byoc_carrier.json',
    name: 'Generic BYOC Carrier',
    type: 'external.pcv.byoc.carrier',
  },
  PHONE: {
    id: 'phone_connections_cdm_webrtc.json',
    name: 'Genesys Cloud - CDM WebRTC Phone Trunk',
    type: 'station.cdm.webrtc',
  },
} as const;

function baseRef(b: TrunkBase): Record<string, unknown> {
  return { id: b.id, name: b.name, selfUri: `${EDGES}/trunkbasesettings/${b.id}` };
}

function metabaseRef(b: TrunkBase): Record<string, unknown> {
  const m = METABASES[b.trunkType];
  return { id: m.id, name: m.name };
}

/** `Trunk`: one base on one edge. Its name is the base's, shared by every instance of the base. */
export function trunkToWire(i: TrunkInstance, b: TrunkBase): Record<string, unknown> {
  return {
    id: i.id,
    name: b.name,
    division: DIVISION,
    version: 1,
    dateCreated: iso(i.createdAt),
    dateModified: iso(i.createdAt),
    modifiedBy: 'sandbox',
    createdBy: 'sandbox',
    state: 'active',
    trunkType: b.trunkType,
    edge: { id: i.edge.id, name: i.edge.name, selfUri: `${EDGES}/${i.edge.id}` },
    trunkBase: baseRef(b),
    trunkMetabase: metabaseRef(b),
    inService: true,
    enabled: true,
    connectedStatus: { connected: true, connectedStateTime: iso(i.createdAt) },
    selfUri: `${EDGES}/trunks/${i.id}`,
  };
}

/** A trunk base property as Genesys answers it: `{type, value: {default, instance}}`. */
function property(type: string, fallback: unknown, instance: unknown): Record<string, unknown> {
  return { type, value: { default: fallback, instance } };
}

/**
 * `TrunkBase` ("trunk base settings"). The SDK types no maximum-calls field: Max Concurrent Calls
 * lives among the untyped `properties` and is Unlimited by default on BYOC Cloud, so the
 * emulation sends none and a client takes each trunk's capacity from its own mapping.
 */
export function trunkBaseToWire(b: TrunkBase, withProperties: boolean): Record<string, unknown> {
  const m = METABASES[b.trunkType];
  return {
    id: b.id,
    name: b.name,
    division: DIVISION,
    version: 1,
    dateCreated: iso(b.createdAt),
    dateModified: iso(b.createdAt),
    modifiedBy: 'sandbox',
    createdBy: 'sandbox',
    state: 'active',
    trunkMetabase: metabaseRef(b),
    ...(withProperties
      ? {
          properties: {
            trunk_type: property('string', m.type, m.type),
            trunk_label: property('string', m.name, b.name),
            trunk_enabled: property('boolean', true, true),
            trunk_recording_enabled: property('boolean', false, false),
          },
        }
      : {}),
    trunkType: b.trunkType,
    managed: false,
    selfUri: `${EDGES}/trunkbasesettings/${b.id}`,
  };
}

/**
 * `TrunkMetrics`, the REST answer: the instance's latest sample. An instance with no sample yet
 * has only `trunk` and `qos` (the SDK's one required field): every other field is optional.
 */
export function metricsToWire(i: TrunkInstance, b: TrunkBase): Record<string, unknown> {
  const s = i.latest;
  return {
    ...(s ? { eventTime: iso(s.time) } : {}),
    trunk: { id: i.id, name: b.name, selfUri: `${EDGES}/trunks/${i.id}` },
    ...(s ? { calls: { inboundCallCount: s.inbound, outboundCallCount: s.outbound } } : {}),
    qos: { mismatchCount: 0 },
  };
}

/** `TrunkMetricsTopicTrunkMetrics`, the body of a notification on the metrics topic. */
export function metricsEventBody(i: TrunkInstance, b: TrunkBase, s: InstanceSample): Record<string, unknown> {
  return {
    trunk: { id: i.id, name: b.name },
    eventTime: iso(s.time),
    calls: { inboundCallCount: s.inbound, outboundCallCount: s.outbound },
    qos: { mismatchCount: 0 },
  };
}

/** The same body broken one way: a client must refuse it without losing the stream. */
export function malformedEventBody(
  body: Record<string, unknown>,
  kind: MalformedKind,
): Record<string, unknown> {
  const calls = body.calls as { inboundCallCount: number; outboundCallCount: number };
  switch (kind) {
    case 'missing-calls': {
      const { calls: _, ...rest } = body;
      return rest;
    }
    case 'string-counts':
      return {
        ...body,
        calls: {
          inboundCallCount: String(calls.inboundCallCount),
          outboundCallCount: String(calls.outboundCallCount),
        },
      };
    case 'bad-event-time':
      return { ...body, eventTime: 'not-a-time' };
  }
}
