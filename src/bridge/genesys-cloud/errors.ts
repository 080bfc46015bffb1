import { CodedError } from '../../errors/coded-error.js';

/**
 * The bridge's failures, one class per kind, each with a stable `code`, a `retriable` flag and
 * the `cause`. Callers branch on `code`, never on message text.
 */
export class BridgeError extends CodedError {}

/** A REST read (a trunk page, a trunk base, a metrics batch) failed on every attempt, or was refused. */
export class BridgeRestError extends BridgeError {
  /** the HTTP status of the last answer, when there was one */
  readonly status: number | undefined;

  constructor(
    readonly what: string,
    readonly attempts: number,
    retriable: boolean,
    cause: unknown,
  ) {
    const said = (cause as Error | undefined)?.message ?? String(cause);
    super(
      'TR_ERR_BRIDGE_REST',
      retriable
        ? `${what} failed ${attempts} times: ${said}`
        : `${what} was refused: ${said}${permissionHint(cause)}`,
      retriable,
      { cause },
    );
    const status = (cause as { status?: unknown } | null)?.status;
    this.status = typeof status === 'number' ? status : undefined;
  }
}

/** The listing answered something that is not a TrunkEntityListing. */
export class BridgeAnswerError extends BridgeError {
  constructor(what: string, detail: string) {
    super('TR_ERR_BRIDGE_BAD_ANSWER', `${what} answered an unexpected body: ${detail}`, true);
  }
}

/** The bridge was stopped while an operation was under way. */
export class BridgeStoppedError extends BridgeError {
  constructor() {
    super('TR_ERR_BRIDGE_STOPPED', 'the bridge was stopped', false);
  }
}

function permissionHint(cause: unknown): string {
  const status = (cause as { status?: unknown } | null)?.status;
  if (status === 403) return " (the OAuth client's role needs telephony:plugin:all)";
  if (status === 401) return ' (check bridge.genesysCloud.clientId and clientSecret)';
  return '';
}
