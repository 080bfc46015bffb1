/** The one permission every trunk route and trunk metrics topic requires (the SDK lists only it). */
export const TRUNK_PERMISSIONS = ['telephony:plugin:all'] as const;

/**
 * How the emulated trunk routes answer where the SDK leaves the answer open. Each default is the
 * stricter reading (docs/wfm-genesys-cloud.md, "Trunks and trunk metrics"); `PUT
 * /_sandbox/trunks/behaviour` switches it.
 */
export interface TrunkBehaviour {
  /** unverified: `trunks/metrics?trunkIds=` naming a trunk that does not exist is a 404 for the whole request ('not-found'); 'omit': it is left out of the array */
  unknownTrunkIds: 'not-found' | 'omit';
  /** unverified: the most trunk ids one `trunks/metrics` request takes; more is a 400 */
  maxTrunkIds: number;
  /** unverified: the largest page the trunk and trunk base listings answer; a larger pageSize is cut to it */
  pageSizeMax: number;
}

export const DEFAULT_TRUNK_BEHAVIOUR: TrunkBehaviour = {
  unknownTrunkIds: 'not-found',
  maxTrunkIds: 100,
  pageSizeMax: 100,
};

/** A generated load for a scale benchmark: `instances` trunk instances, `perSecond` samples a second each. */
export interface SyntheticLoad {
  instances: number;
  /** samples a second per instance, in the scenario's own time; default 1 */
  perSecond?: number;
  /** how long the load lasts, in the scenario's own seconds; default 600 */
  seconds?: number;
  /** the capacity the mapping gives each synthetic trunk base; default 100 */
  capacity?: number;
}

export interface TrunkScenarioOptions {
  /** trunk events (NDJSON, docs/events.md) to play; default the demo's config/demo/apac-events.ndjson */
  eventsFile?: string;
  /** a synthetic load instead of an events file */
  synthetic?: SyntheticLoad;
  /** trunk instances per trunk base: the edges a BYOC Cloud trunk runs on; default 2 */
  edges?: number;
  /** start playing at once at this speed (scenario milliseconds per wall millisecond); default: wait for `POST /_sandbox/trunks/play` */
  playSpeed?: number;
  /** seeds how calls split between instances and directions, so runs repeat; default 1 */
  seed?: number;
  behaviour?: Partial<TrunkBehaviour>;
}

export const DEFAULT_TRUNK_EDGES = 2;
export const DEFAULT_SYNTHETIC = { perSecond: 1, seconds: 600, capacity: 100 } as const;
