/** Counters for /_sandbox/stats: API answers by status and code, refused uploads, lost notifications. */
export class ApiStats {
  requests = 0;
  readonly byStatus: Record<string, number> = {};
  readonly byCode: Record<string, number> = {};
  /** upload and download host refusals, by S3 error code */
  readonly storageRefusals: Record<string, number> = {};
  tokensIssued = 0;
  resets = 0;
  notificationsLost = 0;

  record(status: number, code?: string): void {
    this.requests++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (code) this.byCode[code] = (this.byCode[code] ?? 0) + 1;
  }

  refusedStorage(code: string): void {
    this.storageRefusals[code] = (this.storageRefusals[code] ?? 0) + 1;
  }

  toJSON(): Record<string, unknown> {
    return {
      requests: this.requests,
      byStatus: this.byStatus,
      byCode: this.byCode,
      storageRefusals: this.storageRefusals,
      tokensIssued: this.tokensIssued,
      resets: this.resets,
      notificationsLost: this.notificationsLost,
    };
  }
}
