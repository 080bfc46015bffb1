import { randomUUID } from 'node:crypto';

/** The platform-wide error codes of the Genesys Cloud API, with their HTTP status. */
export const GENESYS_ERROR_CODES = {
  'bad.request': 400,
  'invalid.date': 400,
  'invalid.value': 400,
  'authentication.required': 401,
  'bad.credentials': 401,
  'missing.permissions': 403,
  'not.authorized': 403,
  'not.found': 404,
  'method.not.allowed': 405,
  conflict: 409,
  'request.entity.too.large': 413,
  'unsupported.media.type': 415,
  'too.many.requests': 429,
  'internal.server.error': 500,
  'service.unavailable': 503,
} as const;
export type GenesysErrorCode = keyof typeof GENESYS_ERROR_CODES;

/**
 * An answer in Genesys Cloud's ErrorBody shape (`message`, `code`, `status`, `contextId`,
 * `details`, `errors`), thrown inside handlers and rendered by the server.
 */
export class GenesysError extends Error {
  readonly status: number;
  constructor(
    readonly code: GenesysErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: { missingPermissions?: string[] } = {},
  ) {
    super(message);
    this.name = 'GenesysError';
    this.status = GENESYS_ERROR_CODES[code];
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      code: this.code,
      status: this.status,
      contextId: randomUUID(),
      details: [],
      errors: [],
      ...(this.extra.missingPermissions
        ? { messageParams: { missingPermissions: this.extra.missingPermissions.join(', ') } }
        : {}),
    };
  }
}
