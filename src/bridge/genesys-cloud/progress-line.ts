import type { BridgeProgress } from './bridge-stats.js';

/**
 * The bridge's one line of progress on a terminal, e.g.
 * `running · trunks 15/15 mapped, 30 instances · channels 1/1 open · samples in 1,204 · events out 602 · buffered 0 · lag 0.3 s`
 */
export function progressLine(p: BridgeProgress): string {
  const n = (v: number) => v.toLocaleString('en');
  const lag = p.lagMs === undefined ? '–' : `${(Math.max(0, p.lagMs) / 1000).toFixed(1)} s`;
  return [
    p.state,
    `trunks ${n(p.mappedBases)}/${n(p.bases)} mapped, ${n(p.instances)} instances`,
    `channels ${p.channelsOpen}/${p.channels} open`,
    `samples in ${n(p.samplesIn)}`,
    `events out ${n(p.eventsOut)}`,
    `buffered ${n(p.buffered)}`,
    `lag ${lag}`,
  ].join(' · ');
}
