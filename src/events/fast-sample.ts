import { parseInstantFast } from '../time/instant.js';
import { inDecodeRange } from './decode-limits.js';
import { TRUNK_EVENT_SCHEMA_VERSION, type TrunkSample, toSample } from './trunk-event.js';

const WHITESPACE = /\s/;

function isName(v: unknown): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= 200 && !WHITESPACE.test(v);
}

function isCount(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 1_000_000;
}

/**
 * The common event — no labels, every field in range — checked by hand, for the
 * 10⁵–10⁶ events a second the rules stage reads. Sound, not complete: it returns a sample
 * only when the zod schema (and the decoder's extra checks) would accept the event and
 * give the same sample, and undefined for anything else, which the full zod path then
 * decides and explains. A property test holds the two paths to that.
 */
export function fastSample(json: unknown): TrunkSample | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  let keys = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) return undefined;
    switch (k) {
      case 'schemaVersion':
      case 'trunkId':
      case 'trunkGroup':
      case 'region':
      case 'site':
      case 'eventTime':
      case 'activeCalls':
      case 'capacity':
        keys++;
        break;
      default:
        // labels and unknown keys: the zod path
        return undefined;
    }
  }
  if (keys !== 8 || Object.getPrototypeOf(o) !== Object.prototype) return undefined;
  const { trunkId, trunkGroup, region, site, eventTime, activeCalls, capacity } = o;
  if (o.schemaVersion !== TRUNK_EVENT_SCHEMA_VERSION) return undefined;
  if (!isName(trunkId) || !isName(trunkGroup) || !isName(region) || !isName(site)) return undefined;
  if (!isCount(activeCalls, 0) || !isCount(capacity, 1) || activeCalls > capacity) return undefined;
  if (typeof eventTime !== 'string') return undefined;
  const time = parseInstantFast(eventTime);
  if (time === undefined || !inDecodeRange(time)) return undefined;
  return toSample({ trunkId, trunkGroup, region, site, labels: undefined, time, activeCalls, capacity });
}
