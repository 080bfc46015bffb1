import type { SwapResult } from '../wfm/contract.js';

/** Request counters for /_sandbox/stats: by status and by errorCode. */
export class SandboxStats {
  total = 0;
  readonly byStatus: Record<string, number> = {};
  readonly byErrorCode: Record<string, number> = {};
  replayed = 0;
  resets = 0;
  /** 2xx answers sent with a body the contract does not allow (fault injection) */
  unreadable = 0;
  /** bulk-swap items answered `failed` (inside a 200), by errorCode */
  readonly swapItemErrors: Record<string, number> = {};

  record(status: number, errorCode?: string): void {
    this.total++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (errorCode) this.byErrorCode[errorCode] = (this.byErrorCode[errorCode] ?? 0) + 1;
  }

  recordSwapItems(results: readonly SwapResult[]): void {
    for (const r of results) {
      const code = r.status === 'failed' ? r.error?.errorCode : undefined;
      if (code) this.swapItemErrors[code] = (this.swapItemErrors[code] ?? 0) + 1;
    }
  }

  toJSON(): object {
    return {
      requests: this.total,
      byStatus: this.byStatus,
      byErrorCode: this.byErrorCode,
      replayed: this.replayed,
      resets: this.resets,
      unreadable: this.unreadable,
      swapItemErrors: this.swapItemErrors,
    };
  }
}
