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

export class Ledger {
  private entries: LedgerEntry[] = [];
  private nextSeq = 1;

  append(entry: Omit<LedgerEntry, 'seq'>): LedgerEntry {
    const full = { seq: this.nextSeq++, ...entry };
    this.entries.push(full);
    return full;
  }

  since(seq: number, limit = Number.POSITIVE_INFINITY): { entries: LedgerEntry[]; nextSeq: number } {
    const start = this.entries.findIndex((e) => e.seq >= seq);
    const slice = start < 0 ? [] : this.entries.slice(start, start + limit);
    const last = slice.at(-1);
    return { entries: slice, nextSeq: last ? last.seq + 1 : Math.max(seq, this.nextSeq) };
  }

  get size(): number {
    return this.entries.length;
  }

  toJSON(): { entries: LedgerEntry[]; nextSeq: number } {
    return { entries: this.entries, nextSeq: this.nextSeq };
  }

  restore(data: { entries: LedgerEntry[]; nextSeq: number }): void {
    this.entries = [...data.entries];
    this.nextSeq = data.nextSeq;
  }
}
