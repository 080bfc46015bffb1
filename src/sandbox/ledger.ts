import type { Shift } from '../wfm/contract.js';

export type LedgerKind = 'patch' | 'swap' | 'publish' | 'mutator';

/** One applied change. The ledger is how tests and benchmarks prove "applied exactly once". */
export interface LedgerEntry {
  seq: number;
  /** virtual-clock instant, UTC */
  at: string;
  kind: LedgerKind;
  shiftId: string;
  before: Shift | null;
  after: Shift;
  version: number;
  idempotencyKey: string | null;
  clientId: string;
  swapId?: string;
}

/** An append-only, numbered list of applied changes; each sandbox flavour has its own entry shape. */
export class Ledger<E extends { seq: number } = LedgerEntry> {
  private entries: E[] = [];
  private nextSeq = 1;

  append(entry: Omit<E, 'seq'>): E {
    const full = { seq: this.nextSeq++, ...entry } as E;
    this.entries.push(full);
    return full;
  }

  since(seq: number, limit = Number.POSITIVE_INFINITY): { entries: E[]; nextSeq: number } {
    const start = this.entries.findIndex((e) => e.seq >= seq);
    const slice = start < 0 ? [] : this.entries.slice(start, start + limit);
    const last = slice.at(-1);
    return { entries: slice, nextSeq: last ? last.seq + 1 : Math.max(seq, this.nextSeq) };
  }

  get size(): number {
    return this.entries.length;
  }

  toJSON(): { entries: E[]; nextSeq: number } {
    return { entries: this.entries, nextSeq: this.nextSeq };
  }

  restore(data: { entries: E[]; nextSeq: number }): void {
    this.entries = [...data.entries];
    this.nextSeq = data.nextSeq;
  }
}
