import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSource, encodeSource } from '../../src/app/source-position.js';

const topic = fc.stringMatching(/^[a-zA-Z0-9._-]{1,249}$/);
const offset = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String);

describe('the tr-source header of a repartitioned record', () => {
  it("reads back the producer's topic, partition, offset and key, colons and empty keys included", () => {
    fc.assert(
      fc.property(
        topic,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        offset,
        fc.option(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a))),
        (t, partition, o, key) => {
          const header = encodeSource(t, partition, o, key);
          expect(decodeSource(header)).toEqual({ topic: t, partition, offset: o, key });
          expect(decodeSource(header.toString('latin1'))?.offset).toBe(o);
        },
      ),
    );
  });

  it('reads a key with colons in it as the key', () => {
    const h = encodeSource('trunk-events', 2, '41', Buffer.from('site:sg1:trunk'));
    expect(h.toString()).toBe('trunk-events:2:41:site:sg1:trunk');
    expect(decodeSource(h)?.key?.toString()).toBe('site:sg1:trunk');
  });

  it('names nothing for a header it did not write', () => {
    for (const bad of [
      '',
      'trunk-events',
      'trunk-events:2',
      ':2:41',
      'trunk-events:x:41',
      'trunk-events:2:-1',
    ])
      expect(decodeSource(bad)).toBeUndefined();
  });
});
