import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deriveIdempotencyKey,
  IDEMPOTENCY_KEY_FORMAT,
  swapBatchKey,
} from '../../src/writer/idempotency-key.js';

const part = fc.string({ maxLength: 40 });

describe('idempotency keys', () => {
  it('are the same for the same rule, trigger, subject and action, so replayed events give the same keys', () => {
    fc.assert(
      fc.property(part, part, part, part, (r, t, s, a) => {
        expect(deriveIdempotencyKey(r, t, s, a)).toBe(deriveIdempotencyKey(r, t, s, a));
      }),
    );
  });

  it('differ when any part differs, however the parts could be re-split', () => {
    fc.assert(
      fc.property(fc.tuple(part, part, part, part), fc.tuple(part, part, part, part), (x, y) => {
        fc.pre(JSON.stringify(x) !== JSON.stringify(y));
        expect(deriveIdempotencyKey(...x)).not.toBe(deriveIdempotencyKey(...y));
      }),
    );
    expect(deriveIdempotencyKey('a|b', 'c', 's', 'x')).not.toBe(deriveIdempotencyKey('a', 'b|c', 's', 'x'));
  });

  it('fit the Idempotency-Key header: visible ASCII, at most 255 characters', () => {
    fc.assert(
      fc.property(part, part, part, part, (r, t, s, a) => {
        const key = deriveIdempotencyKey(r, t, s, a);
        expect(key).toMatch(IDEMPOTENCY_KEY_FORMAT);
        expect(key).toMatch(/^[\x21-\x7e]{1,255}$/);
      }),
    );
  });

  it('are stable across releases: a known input keeps its key (keys stored by the WFM must still match after an upgrade)', () => {
    // sha256 of ["trunk-reactor/v1","r","t","s","a"], base64url
    expect(deriveIdempotencyKey('r', 't', 's', 'a')).toBe('tr-nEHkINbWnVn5iLL1zxQO42iR6vDDOOxYwJzE-W6XYDw');
  });

  it('give a bulk request the same key when the same batch is re-sent, and another for another batch', () => {
    const body = JSON.stringify({
      swaps: [{ swapId: 'x', a: { shiftId: 'a', version: 1 }, b: { shiftId: 'b', version: 2 } }],
    });
    expect(swapBatchKey(body)).toBe(swapBatchKey(body));
    expect(swapBatchKey(body)).not.toBe(swapBatchKey(body.replace('"version":2', '"version":3')));
    expect(swapBatchKey(body).length).toBeLessThanOrEqual(255);
  });
});
