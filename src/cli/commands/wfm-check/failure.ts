import { WfmError } from '../../../wfm/errors.js';

/** The login host refused the client credentials, or could not be asked. */
export class LoginFailed extends Error {
  constructor(
    message: string,
    readonly unreachable: boolean,
    readonly status?: number,
    readonly oauthError?: string,
  ) {
    super(message);
    this.name = 'LoginFailed';
  }
}

/** An API failure as the report gives it: the status and Genesys code beside the message. */
export interface Failure {
  message: string;
  status?: number;
  code?: string;
}

export function failure(err: unknown): Failure {
  if (err instanceof LoginFailed)
    return {
      message: err.message,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.oauthError !== undefined ? { code: err.oauthError } : {}),
    };
  if (err instanceof WfmError)
    return {
      message: err.message,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.errorCode !== undefined ? { code: err.errorCode } : { code: err.code }),
    };
  const e = err as { message?: unknown; code?: unknown; status?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}
