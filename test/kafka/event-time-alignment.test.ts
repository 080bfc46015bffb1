import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { EventTimeAligner } from '../../src/kafka/event-time-alignment.js';

const SEC = 1000;
const MIN = 60 * SEC;

/** A message whose event time is `t` (the aligner reads it through `timeOf`). */
const at = (t: number) => ({ offset: '0', timestamp: String(t) }) as unknown as KafkaMessage;

let aligner: EventTimeAligner | undefined;
afterEach(() => aligner?.close());

function setup(partitions: number[]) {
  let now = 0;
  const a = new EventTimeAligner({
    boundMs: 10 * SEC,
    idleMs: 1 * SEC,
    timeOf: (m) => Number(m.timestamp),
    now: () => now,
  });
  aligner = a;
  a.assigned(new Set(partitions));
  return {
    a,
    tick(ms: number) {
      now += ms;
    },
  };
}

describe('event-time alignment of the repartition stage', () => {
  it('holds a partition ahead of a caught-up one until that one has data for the next burst', () => {
    const { a, tick } = setup([0, 1]);
    // burst 1 on both partitions (the first one waits to hear of the other), both caught up after it
    expect(a.admit(0, at(0))).toBe('hold');
    expect(a.admit(1, at(0))).not.toBe('hold');
    expect(a.admit(0, at(0))).not.toBe('hold');
    a.batchEnded(0, true);
    a.batchEnded(1, true);
    tick(60 * SEC);
    // burst 2 (five minutes later) reaches partition 0 first: it waits for partition 1's share
    expect(a.admit(0, at(5 * MIN))).toBe('hold');
    tick(200);
    expect(a.admit(1, at(5 * MIN))).not.toBe('hold');
    expect(a.admit(0, at(5 * MIN))).not.toBe('hold');
  });

  it('lets a partition with nothing to read hold the others only idleMs, then not until it has data again', () => {
    const { a, tick } = setup([0, 1]);
    expect(a.admit(0, at(0))).toBe('hold'); // partition 1 not heard of yet
    tick(500);
    expect(a.admit(0, at(0))).toBe('hold');
    tick(600);
    expect(a.admit(0, at(0))).not.toBe('hold');
    // partition 1 is idle now: partition 0 runs on
    expect(a.admit(0, at(30 * MIN))).not.toBe('hold');
    // partition 1 gets data: it holds again
    expect(a.admit(1, at(0))).not.toBe('hold');
    expect(a.admit(0, at(31 * MIN))).toBe('hold');
  });

  it('holds a partition ahead of a busy one by more than the bound until that one catches up', () => {
    const { a, tick } = setup([0, 1]);
    expect(a.admit(1, at(0))).toBe('hold');
    expect(a.admit(0, at(0))).not.toBe('hold');
    expect(a.admit(1, at(0))).not.toBe('hold');
    expect(a.admit(0, at(10 * SEC))).not.toBe('hold');
    expect(a.admit(0, at(11 * SEC))).toBe('hold');
    // a busy partition holds for as long as it takes, not idleMs
    tick(10 * MIN);
    expect(a.admit(0, at(11 * SEC))).toBe('hold');
    expect(a.admit(1, at(2 * SEC))).not.toBe('hold');
    expect(a.admit(0, at(11 * SEC))).not.toBe('hold');
  });

  it('resolves the held partition once the other one shows data within the bound', async () => {
    const { a } = setup([0, 1]);
    a.admit(1, at(0));
    a.admit(0, at(0));
    a.admit(1, at(0));
    a.batchEnded(1, true);
    expect(a.admit(0, at(MIN))).toBe('hold');
    const released = a.whenAdmissible(0);
    expect(a.admit(1, at(MIN))).not.toBe('hold');
    await released;
  });
});
