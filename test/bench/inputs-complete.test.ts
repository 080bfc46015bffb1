import { describe, expect, it } from 'vitest';
import { InputsComplete, trunksByPartition } from '../../bench/support/inputs-complete.js';
import { trunk } from '../../bench/support/pipeline-workload.js';

describe('the time a decision had all its inputs (bench:pipeline (c))', () => {
  const byPartition = trunksByPartition(8, 2);
  const [mine, others] = [byPartition[0]!, byPartition[1]!];

  it('is when the slowest trunk of the sample’s partition has sent a sample at least as late', () => {
    const c = new InputsComplete(8, 2);
    const hot = mine[0]!;
    // every trunk of the partition sends at event time 100 (produced at 1,000 + its index), the hot one last
    for (const i of mine) if (i !== hot) c.produced(i, 100, 1_000 + i);
    c.produced(hot, 100, 2_000);
    c.watch(hot, 100);
    expect(c.completeAt(`${trunk(hot).trunkId}|100`)).toBe(2_000);
    // a member that had only sent older samples holds it until its next one
    const c2 = new InputsComplete(8, 2);
    const slow = mine[1]!;
    for (const i of mine) c2.produced(i, i === slow ? 90 : 100, 1_000);
    c2.watch(hot, 100);
    c2.produced(slow, 95, 1_100);
    c2.produced(slow, 105, 1_250);
    expect(c2.completeAt(`${trunk(hot).trunkId}|100`)).toBe(1_250);
  });

  it('does not wait for trunks of other partitions', () => {
    const c = new InputsComplete(8, 2);
    for (const i of mine) c.produced(i, 100, 1_000);
    for (const i of others) c.produced(i, 50, 900);
    c.watch(mine[0]!, 100);
    expect(c.completeAt(`${trunk(mine[0]!).trunkId}|100`)).toBe(1_000);
  });

  it('is unknown while a member of the partition has sent nothing as late, and for a sample not watched', () => {
    const c = new InputsComplete(8, 2);
    for (const i of mine) c.produced(i, i === mine[1] ? 90 : 100, 1_000);
    c.watch(mine[0]!, 100);
    expect(c.completeAt(`${trunk(mine[0]!).trunkId}|100`)).toBeNaN();
    expect(c.completeAt(`${trunk(mine[0]!).trunkId}|200`)).toBeNaN();
  });
});
