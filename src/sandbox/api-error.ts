import { ERROR_CODES, type ErrorCode } from '../wfm/contract.js';

/** An answer in the contract's error shape. Thrown inside handlers, rendered by the server. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[errorCode];
  }

  body(): { errorCode: string; message: string; details?: unknown } {
    return this.details === undefined
      ? { errorCode: this.errorCode, message: this.message }
      : { errorCode: this.errorCode, message: this.message, details: this.details };
  }
}

export function zodIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): {
  issues: Array<{ path: string; message: string }>;
} {
  return {
    issues: issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message })),
  };
}
