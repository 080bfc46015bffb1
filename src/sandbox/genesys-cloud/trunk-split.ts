export interface CallSplit {
  inbound: number;
  outbound: number;
}

/**
 * Splits a trunk's active calls between its instances, and each instance's calls between
 * inbound and outbound: the instances sum to `activeCalls` exactly, but no instance holds a
 * fixed share, so a client must add every instance of a base (and both directions) to get it
 * back. `random` decides the shares (seed it for runs that repeat).
 */
export function splitCalls(activeCalls: number, instances: number, random: () => number): CallSplit[] {
  if (instances <= 0) return [];
  const weights = Array.from({ length: instances }, () => 0.5 + random());
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (activeCalls * w) / total);
  const shares = exact.map(Math.floor);
  // largest remainders take the calls the floors left over
  let left = activeCalls - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    shares[i]!++;
    left--;
  }
  return shares.map((calls) => {
    const inbound = Math.round(calls * (0.4 + 0.5 * random()));
    return { inbound, outbound: calls - inbound };
  });
}
