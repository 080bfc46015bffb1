/** Request counters for /_sandbox/stats: by status and by errorCode. */
export class SandboxStats {
  total = 0;
  readonly byStatus: Record<string, number> = {};
  readonly byErrorCode: Record<string, number> = {};
  replayed = 0;
  resets = 0;
  /** 2xx answers sent with a body the contract does not allow (fault injection) */
  unreadable = 0;

  record(status: number, errorCode?: string): void {
    this.total++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (errorCode) this.byErrorCode[errorCode] = (this.byErrorCode[errorCode] ?? 0) + 1;
  }

  toJSON(): object {
    return {
      requests: this.total,
      byStatus: this.byStatus,
      byErrorCode: this.byErrorCode,
      replayed: this.replayed,
      resets: this.resets,
      unreadable: this.unreadable,
    };
  }
}
