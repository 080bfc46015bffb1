import { createHash } from 'node:crypto';
import { canonicalJson } from '../rules/canonical.js';

/**
 * Idempotency keys as the IETF Idempotency-Key draft describes them:
 * same key + same request after completion → the stored response, replayed;
 * same key + another request → 422; same key while the first is still running → 409.
 *
 * Like Stripe, only requests that executed are stored: a 409 for a stale version, a
 * lock or an overlap changed nothing, so the key is released and the client may retry
 * with the same key and a re-based body. Storing those would turn every retry after a
 * version conflict into a 422.
 */
export interface StoredResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Entry {
  fingerprint: string;
  state: 'in-flight' | 'done';
  response?: StoredResponse;
  createdAt: number;
}

export type Claim =
  | { kind: 'new' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in-flight' }
  | { kind: 'mismatch' };

export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('base64url');
}

export class IdempotencyStore {
  private entries = new Map<string, Entry>();

  constructor(private ttlMs: number) {}

  setTtl(ttlMs: number): void {
    this.ttlMs = ttlMs;
  }

  claim(scope: string, key: string, print: string, now: number): Claim {
    const id = `${scope}\u0000${key}`;
    const existing = this.entries.get(id);
    if (existing && now - existing.createdAt >= this.ttlMs) this.entries.delete(id);
    const entry = this.entries.get(id);
    if (!entry) {
      this.entries.set(id, { fingerprint: print, state: 'in-flight', createdAt: now });
      return { kind: 'new' };
    }
    if (entry.fingerprint !== print) return { kind: 'mismatch' };
    if (entry.state === 'in-flight') return { kind: 'in-flight' };
    return { kind: 'replay', response: entry.response! };
  }

  complete(scope: string, key: string, response: StoredResponse): void {
    const entry = this.entries.get(`${scope}\u0000${key}`);
    if (entry) {
      entry.state = 'done';
      entry.response = response;
    }
  }

  release(scope: string, key: string): void {
    const id = `${scope}\u0000${key}`;
    if (this.entries.get(id)?.state === 'in-flight') this.entries.delete(id);
  }

  prune(now: number): void {
    for (const [id, e] of this.entries) if (now - e.createdAt >= this.ttlMs) this.entries.delete(id);
  }

  toJSON(): Array<[string, Entry]> {
    // in-flight entries die with the process: their requests never got an answer
    return [...this.entries].filter(([, e]) => e.state === 'done');
  }

  restore(data: Array<[string, Entry]>): void {
    this.entries = new Map(data);
  }
}
