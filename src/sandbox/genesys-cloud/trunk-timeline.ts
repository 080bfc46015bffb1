import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeTrunkEvent } from '../../events/decode.js';
import { seededUnit } from '../rng.js';
import { DEFAULT_SYNTHETIC, type SyntheticLoad, type TrunkScenarioOptions } from './trunk-options.js';

/** The demo's events: the trunk scenario a sandbox plays unless told otherwise. */
export const DEMO_TRUNK_EVENTS = fileURLToPath(
  new URL('../../../config/demo/apac-events.ndjson', import.meta.url),
);

/**
 * A trunk as the project knows it (docs/events.md): what a bridge's mapping must give each
 * Genesys trunk base so that its samples become the project's events.
 */
export interface ProjectTrunk {
  trunkId: string;
  trunkGroup: string;
  region: string;
  site: string;
  labels?: Record<string, string>;
  capacity: number;
  /** instances of this trunk's base, when not the scenario's edges (the last synthetic base) */
  instances?: number;
}

/** One sample of one project trunk: `trunk` indexes the timeline's `trunks`; `time` is epoch ms. */
export interface TimelineEntry {
  trunk: number;
  time: number;
  activeCalls: number;
}

/** What a scenario plays: its trunks and their samples in eventTime order. */
export interface Timeline {
  readonly kind: 'events' | 'synthetic';
  /** the events file, or a description of the synthetic load */
  readonly source: string;
  readonly trunks: readonly ProjectTrunk[];
  readonly length: number;
  /** lines of the events file that are not valid events (docs/events.md), left out */
  readonly skipped: number;
  at(i: number): TimelineEntry;
}

/** A scenario that cannot be built: an events file with no valid event, a synthetic load out of bounds. */
export class TrunkScenarioError extends Error {
  readonly code = 'TR_ERR_TRUNK_SCENARIO';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'TrunkScenarioError';
  }
}

/**
 * The events of an NDJSON file as a timeline: each project trunk (by `trunkId`, in name order)
 * with the fields of its first event, and every valid event in eventTime order (file order among
 * equal times). Lines that do not decode are counted in `skipped`: Genesys would never send them.
 */
export function eventsTimeline(text: string, source: string): Timeline {
  const trunks: ProjectTrunk[] = [];
  const seen = new Set<string>();
  const raw: Array<{ trunkId: string; time: number; activeCalls: number }> = [];
  let skipped = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const r = decodeTrunkEvent(line);
    if (!r.ok) {
      skipped++;
      continue;
    }
    const s = r.sample;
    if (!seen.has(s.trunkId)) {
      seen.add(s.trunkId);
      trunks.push({
        trunkId: s.trunkId,
        trunkGroup: s.trunkGroup,
        region: s.region,
        site: s.site,
        ...(s.labels ? { labels: { ...s.labels } } : {}),
        capacity: s.capacity,
      });
    }
    raw.push({ trunkId: s.trunkId, time: s.time, activeCalls: s.activeCalls });
  }
  if (raw.length === 0) throw new TrunkScenarioError(`${source}: no valid trunk event to play`);
  trunks.sort((a, b) => (a.trunkId < b.trunkId ? -1 : a.trunkId > b.trunkId ? 1 : 0));
  const byId = new Map(trunks.map((t, i) => [t.trunkId, i]));
  const entries = raw
    .map((e) => ({ trunk: byId.get(e.trunkId)!, time: e.time, activeCalls: e.activeCalls }))
    .sort((a, b) => a.time - b.time);
  return {
    kind: 'events',
    source,
    trunks,
    length: entries.length,
    skipped,
    at: (i) => entries[i]!,
  };
}

const MAX_SYNTHETIC_SAMPLES = 1e10;

/**
 * A generated load: `instances` trunk instances grouped `edges` to a base (the last base may
 * have fewer), each base sampled `perSecond` times a second for `seconds` seconds, all bases at
 * the same instants. Entries are computed when asked for, so a long load takes no memory. The
 * start is fixed by `startAt`, called when the load first plays, so that eventTime follows the
 * wall clock at speed 1.
 */
export class SyntheticTimeline implements Timeline {
  readonly kind = 'synthetic';
  readonly source: string;
  readonly trunks: ProjectTrunk[];
  readonly length: number;
  readonly skipped = 0;
  private readonly periodMs: number;
  private readonly perBase: number;
  private startMs: number | undefined;

  constructor(
    load: SyntheticLoad,
    edges: number,
    private readonly seed: number,
  ) {
    const perSecond = load.perSecond ?? DEFAULT_SYNTHETIC.perSecond;
    const seconds = load.seconds ?? DEFAULT_SYNTHETIC.seconds;
    const capacity = load.capacity ?? DEFAULT_SYNTHETIC.capacity;
    if (!Number.isInteger(load.instances) || load.instances < 1 || !Number.isInteger(edges) || edges < 1)
      throw new TrunkScenarioError(
        `a synthetic load needs whole numbers ≥ 1 of instances and edges, got ${load.instances} and ${edges}`,
      );
    if (!(perSecond > 0) || !(seconds > 0) || !Number.isInteger(capacity) || capacity < 1)
      throw new TrunkScenarioError(
        `a synthetic load needs perSecond > 0, seconds > 0 and a whole capacity ≥ 1, got ${perSecond}, ${seconds}, ${capacity}`,
      );
    const bases = Math.ceil(load.instances / edges);
    this.perBase = Math.max(1, Math.floor(seconds * perSecond));
    if (bases * this.perBase > MAX_SYNTHETIC_SAMPLES)
      throw new TrunkScenarioError(
        `a synthetic load of ${load.instances} instances × ${perSecond}/s × ${seconds} s is too long: keep bases × samples under ${MAX_SYNTHETIC_SAMPLES}`,
      );
    this.periodMs = 1000 / perSecond;
    this.source = `synthetic: ${load.instances} instances, ${perSecond}/s each, ${seconds} s`;
    const width = Math.max(4, String(bases).length);
    this.trunks = Array.from({ length: bases }, (_, b) => {
      const last = b === bases - 1 ? load.instances - edges * (bases - 1) : edges;
      return {
        trunkId: `syn-byoc-${String(b + 1).padStart(width, '0')}`,
        trunkGroup: 'syn-byoc',
        region: 'synthetic',
        site: 'syn1',
        capacity,
        ...(last !== edges ? { instances: last } : {}),
      };
    });
    this.length = bases * this.perBase;
  }

  /** Fixes the load's first eventTime (epoch ms, whole seconds); later calls change nothing. */
  startAt(ms: number): void {
    this.startMs ??= Math.floor(ms / 1000) * 1000;
  }

  get started(): boolean {
    return this.startMs !== undefined;
  }

  at(i: number): TimelineEntry {
    const bases = this.trunks.length;
    const k = Math.floor(i / bases);
    const trunk = i % bases;
    const capacity = this.trunks[trunk]!.capacity;
    // a slow wave per base, out of phase with the others, with a little noise
    const wave = Math.sin(2 * Math.PI * (k / (300 * (1000 / this.periodMs)) + trunk / bases));
    const noise = seededUnit(this.seed, `${trunk}/${k}`) - 0.5;
    const load = 0.5 + 0.35 * wave + 0.1 * noise;
    return {
      trunk,
      time: (this.startMs ?? 0) + Math.round(k * this.periodMs),
      activeCalls: Math.min(capacity, Math.max(0, Math.round(capacity * load))),
    };
  }
}

/** The timeline the options ask for: the synthetic load, else the events file (read here, once). */
export function timelineFor(o: TrunkScenarioOptions, edges: number, seed: number): Timeline {
  if (o.synthetic) return new SyntheticTimeline(o.synthetic, edges, seed);
  const file = o.eventsFile ?? DEMO_TRUNK_EVENTS;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TrunkScenarioError(`${file}: cannot read the trunk events: ${(err as Error).message}`);
  }
  return eventsTimeline(text, file);
}
