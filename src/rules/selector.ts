import type { TrunkSample } from '../events/trunk-event.js';
import type { Selector } from './schema.js';

export type SampleMatcher = (s: TrunkSample) => boolean;

/**
 * Compiles a `where:` selector into one closure of plain comparisons (a set lookup for
 * lists). Every field given must match; a missing label never matches.
 */
export function compileSelector(where: Selector | undefined): SampleMatcher {
  if (!where) return () => true;
  const tests: SampleMatcher[] = [];
  const field = (name: 'trunkId' | 'trunkGroup' | 'region' | 'site', v: string | string[] | undefined) => {
    if (v === undefined) return;
    if (typeof v === 'string' || v.length === 1) {
      const one = typeof v === 'string' ? v : v[0]!;
      tests.push((s) => s[name] === one);
    } else {
      const set = new Set(v);
      tests.push((s) => set.has(s[name]));
    }
  };
  field('trunkId', where.trunkId);
  field('trunkGroup', where.trunkGroup);
  field('region', where.region);
  field('site', where.site);
  for (const [label, v] of Object.entries(where.labels ?? {})) {
    const set = new Set(typeof v === 'string' ? [v] : v);
    tests.push((s) => {
      const x = s.labels?.[label];
      return x !== undefined && set.has(x);
    });
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (s) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(s)) return false;
    return true;
  };
}

/** The selector in a canonical form (sorted lists), so equal selectors share a series. */
export function normalizeSelector(where: Selector | undefined): Record<string, unknown> {
  if (!where) return {};
  const list = (v: string | string[] | undefined) =>
    v === undefined ? undefined : [...new Set(typeof v === 'string' ? [v] : v)].sort();
  const labels = where.labels
    ? Object.fromEntries(Object.entries(where.labels).map(([k, v]) => [k, list(v)]))
    : undefined;
  return {
    trunkId: list(where.trunkId),
    trunkGroup: list(where.trunkGroup),
    region: list(where.region),
    site: list(where.site),
    labels,
  };
}
