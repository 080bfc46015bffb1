import type { Shift } from '../../../src/wfm/contract.js';
import type { ScheduleSnapshot } from '../../../src/wfm/snapshot.js';
import { pagedLedger, sandboxAdmin } from '../../support/sandbox-admin-http.js';

/** The sandbox's /_sandbox admin API over real HTTP, for tests and the benchmark. */
export interface LedgerEntry {
  seq: number;
  at: string;
  kind: 'patch' | 'swap' | 'publish' | 'mutator' | 'load';
  shiftId: string;
  before: Shift | null;
  after: Shift;
  version: number;
  idempotencyKey: string | null;
  clientId: string;
  swapId?: string;
}

export class SandboxAdmin {
  constructor(readonly url: string) {}

  #call<T>(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<T> {
    return sandboxAdmin<T>(this.url, method, path, body);
  }

  /** Every ledger entry from `since` on, following pages. */
  ledger(since = 1): Promise<LedgerEntry[]> {
    return pagedLedger<LedgerEntry>(this.url, since);
  }

  clock(update?: {
    now?: string;
    advanceMs?: number;
    frozen?: boolean;
  }): Promise<{ now: string; nowMs: number; frozen: boolean }> {
    return update ? this.#call('PUT', '/clock', update) : this.#call('GET', '/clock');
  }

  faults(update: Record<string, number | string>): Promise<unknown> {
    return this.#call('PUT', '/faults', update);
  }

  behaviour(update: Record<string, unknown>): Promise<unknown> {
    return this.#call('PUT', '/behaviour', update);
  }

  async schedule(): Promise<ScheduleSnapshot> {
    return (await this.#call<{ schedule: ScheduleSnapshot }>('GET', '/state')).schedule;
  }

  stats(): Promise<{
    requests: number;
    byStatus: Record<string, number>;
    byErrorCode: Record<string, number>;
    replayed: number;
    resets: number;
    unreadable: number;
  }> {
    return this.#call('GET', '/stats');
  }
}

/** Ledger entries this writer made, grouped by idempotency key (patches) or swap id (swaps). */
export function writesByAdjustment(entries: LedgerEntry[], clientId?: string): Map<string, LedgerEntry[]> {
  const out = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.kind !== 'patch' && e.kind !== 'swap') continue;
    if (clientId !== undefined && e.clientId !== clientId) continue;
    const id = e.kind === 'swap' ? e.swapId! : (e.idempotencyKey ?? `no-key:${e.shiftId}`);
    const list = out.get(id) ?? [];
    list.push(e);
    out.set(id, list);
  }
  return out;
}
