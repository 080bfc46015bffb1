import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeySerializer } from '../../src/writer/key-serializer.js';
import { Semaphore } from '../../src/writer/semaphore.js';

describe('per-shift and per-agent serialization', () => {
  it('never runs two jobs that share a key at once, runs each key in submission order, and always finishes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.uniqueArray(fc.constantFrom('s1', 's2', 's3', 'a1', 'a2', 'a3'), { minLength: 1, maxLength: 4 }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 40 }),
        async (jobs, delays) => {
          const serializer = new KeySerializer();
          const holders = new Map<string, number>();
          const started = new Map<string, number[]>();
          await Promise.all(
            jobs.map(async (keys, i) => {
              const release = await serializer.acquire(keys);
              for (const k of keys) {
                expect(holders.has(k), `key ${k} held twice`).toBe(false);
                holders.set(k, i);
                started.set(k, [...(started.get(k) ?? []), i]);
              }
              for (let d = 0; d < delays[i]!; d++) await Promise.resolve();
              for (const k of keys) holders.delete(k);
              release();
            }),
          );
          for (const order of started.values()) expect(order).toEqual([...order].sort((a, b) => a - b));
          expect(serializer.busyKeys).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lets jobs with disjoint keys run side by side', async () => {
    const serializer = new KeySerializer();
    const a = await serializer.acquire(['shift:1', 'agent:1']);
    const b = await serializer.acquire(['shift:2', 'agent:2']);
    a();
    b();
  });
});

describe('bounded parallelism', () => {
  it('never has more than the limit inside', async () => {
    const sem = new Semaphore(3);
    let inside = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        await sem.acquire();
        inside++;
        max = Math.max(max, inside);
        await new Promise((r) => setTimeout(r, 1));
        inside--;
        sem.release();
      }),
    );
    expect(max).toBe(3);
    expect(sem.inUse).toBe(0);
  });
});
