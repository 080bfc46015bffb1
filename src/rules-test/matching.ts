/**
 * The largest pairing of expected entries with what happened, each used once (Kuhn's
 * augmenting paths): an entry that matches two adjustments must not take the one another,
 * stricter entry needs. `left[i]` is the index of what entry i was paired with, `right[j]`
 * the entry paired with item j; undefined when unpaired.
 */
export function bestMatching<E, G>(
  expected: readonly E[],
  got: readonly G[],
  matches: (e: E, g: G) => boolean,
): { left: Array<number | undefined>; right: Array<number | undefined> } {
  const edges = expected.map((e) => got.flatMap((g, j) => (matches(e, g) ? [j] : [])));
  const left: Array<number | undefined> = expected.map(() => undefined);
  const right: Array<number | undefined> = got.map(() => undefined);
  const augment = (i: number, seen: boolean[]): boolean => {
    for (const j of edges[i]!) {
      if (seen[j]) continue;
      seen[j] = true;
      const holder = right[j];
      if (holder === undefined || augment(holder, seen)) {
        left[i] = j;
        right[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < expected.length; i++)
    augment(
      i,
      got.map(() => false),
    );
  return { left, right };
}
