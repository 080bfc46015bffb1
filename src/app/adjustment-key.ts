import type { Adjustment } from '../planner/adjustment.js';

/**
 * The Kafka key of an adjustment, which decides its adjustments-topic partition and so
 * which writer applies it, in order. An update is keyed by its agent: all writes for one
 * agent go one after another. A swap touches two agents; it is keyed by the lower of the
 * two agent ids (stable whatever order the planner lists them in), so it serializes with
 * that agent's updates. The other agent's writes may run on another partition at the
 * same time; they cannot corrupt the swap: it is one atomic bulk-swap call guarded by
 * both shifts' versions, and a lost race is re-read and re-applied by the writer.
 */
export function adjustmentKey(a: Adjustment): string {
  if (a.kind === 'update') return a.agentId;
  const [lower] = [a.a.agentId, a.b.agentId].sort();
  return lower!;
}
