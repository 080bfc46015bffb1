import { toWire } from '../time/instant.js';
import { TRUNK_EVENT_SCHEMA_VERSION, type TrunkEvent, type TrunkSample } from './trunk-event.js';

/** The wire form of a sample (what a producer sends): UTC instant, utilization left out. */
export function toTrunkEvent(sample: TrunkSample): TrunkEvent {
  const event: TrunkEvent = {
    schemaVersion: TRUNK_EVENT_SCHEMA_VERSION,
    trunkId: sample.trunkId,
    trunkGroup: sample.trunkGroup,
    region: sample.region,
    site: sample.site,
    eventTime: toWire(sample.time),
    activeCalls: sample.activeCalls,
    capacity: sample.capacity,
  };
  if (sample.labels && Object.keys(sample.labels).length > 0) event.labels = { ...sample.labels };
  return event;
}

export function encodeTrunkEvent(sample: TrunkSample): string {
  return JSON.stringify(toTrunkEvent(sample));
}
