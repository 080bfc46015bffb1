import { seededRandom } from '../sandbox/rng.js';
import { type TrunkSample, toSample } from './trunk-event.js';

export interface GeneratorOptions {
  /** number of trunks, named <group>-01 … */
  trunks: number;
  trunkGroup: string;
  region: string;
  /** trunks alternate between these sites */
  sites: string[];
  capacity: number;
  /** event time of the first round, epoch ms */
  start: number;
  /** event-time step between two rounds (one sample per trunk per round) */
  intervalMs: number;
  seed: number;
}

export const GENERATOR_DEFAULTS: Omit<GeneratorOptions, 'start'> = {
  trunks: 15,
  trunkGroup: 'sg-byoc',
  region: 'apac',
  sites: ['sg1', 'sg2'],
  capacity: 30,
  intervalMs: 10_000,
  seed: 1,
};

/**
 * An endless, deterministic stream of trunk samples: a daily curve (quiet at night, busy
 * mid-morning) with a surge every few hours and per-trunk noise, round after round.
 */
export function* generateSamples(o: GeneratorOptions): Generator<TrunkSample> {
  const random = seededRandom(o.seed);
  const ids = Array.from({ length: o.trunks }, (_, i) => `${o.trunkGroup}-${String(i + 1).padStart(2, '0')}`);
  for (let round = 0; ; round++) {
    const time = o.start + round * o.intervalMs;
    const hour = (time / 3_600_000) % 24;
    const daily = 0.35 + 0.3 * Math.sin(((hour - 7) / 24) * 2 * Math.PI);
    const surge = Math.floor(time / 3_600_000) % 4 === 1 ? 0.35 : 0;
    for (const [i, trunkId] of ids.entries()) {
      const u = Math.min(1, Math.max(0, daily + surge + (random() - 0.5) * 0.1));
      const activeCalls = Math.round(u * o.capacity);
      yield toSample({
        trunkId,
        trunkGroup: o.trunkGroup,
        region: o.region,
        site: o.sites[i % o.sites.length]!,
        labels: undefined,
        time,
        activeCalls,
        capacity: o.capacity,
      });
    }
  }
}
