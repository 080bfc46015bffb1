import { CodedError } from '../../../errors/coded-error.js';
import { GENESYS_CHANNEL_LIMITS } from './limits.js';

/** Notification-channel failures, one class per kind, with a stable `code` and a `retriable` flag. */
export class NotificationChannelsError extends CodedError {}

/** An option is wrong; thrown by the constructor, one rule per message. */
export class NotificationChannelsOptionError extends NotificationChannelsError {
  constructor(message: string) {
    super('TR_ERR_CHANNELS_OPTION', message, false);
    this.name = 'NotificationChannelsOptionError';
  }
}

/** More topics than 20 channels of 1,000 can hold. */
export class NotificationChannelsLimitError extends NotificationChannelsError {
  constructor(
    readonly topics: number,
    readonly channelsNeeded: number,
  ) {
    const { topicsPerChannel, channelsPerClient } = GENESYS_CHANNEL_LIMITS;
    super(
      'TR_ERR_CHANNELS_LIMIT',
      `${topics} topics need ${channelsNeeded} notification channels of ${topicsPerChannel}; an OAuth client may hold at most ${channelsPerClient} (${channelsPerClient * topicsPerChannel} topics): hold fewer topics, or split them over OAuth clients`,
      false,
    );
    this.name = 'NotificationChannelsLimitError';
  }
}

/** A notifications API call failed; `status` when the server answered. */
export class NotificationChannelsRequestError extends NotificationChannelsError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    cause: unknown,
  ) {
    const said = (cause as Error | undefined)?.message ?? String(cause);
    super(
      'TR_ERR_CHANNELS_REQUEST',
      status === undefined
        ? `${method} ${path} failed: ${said}`
        : `${method} ${path} answered ${status}: ${said}${hint(status)}`,
      status === undefined || !refused(status),
      { cause },
    );
    this.name = 'NotificationChannelsRequestError';
  }
}

/** The notifications API answered something of the wrong shape. */
export class NotificationChannelsAnswerError extends NotificationChannelsError {
  constructor(what: string, issues: string) {
    super('TR_ERR_CHANNELS_BAD_ANSWER', `${what} answered an unexpected body: ${issues}`, false);
    this.name = 'NotificationChannelsAnswerError';
  }
}

/** close() was called before the operation finished. */
export class NotificationChannelsClosedError extends NotificationChannelsError {
  constructor() {
    super('TR_ERR_CHANNELS_CLOSED', 'the notification channels were closed', false);
    this.name = 'NotificationChannelsClosedError';
  }
}

/** A 4xx that asking again will not change: everything but 404 (a channel gone), 408, 409 and 429. */
function refused(status: number): boolean {
  return status >= 400 && status < 500 && ![404, 408, 409, 429].includes(status);
}

function hint(status: number): string {
  if (status === 401) return ' (check the OAuth client credentials)';
  if (status === 403) return " (check the OAuth client's permissions)";
  return '';
}

export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Whether the first setup of a channel should give up: the server refused, asking again won't help. */
export function fatal(err: unknown): boolean {
  return err instanceof NotificationChannelsError && !err.retriable;
}

/** What a log line says of a failure: never more than the error's own message and status. */
export function describe(err: unknown): { message: string; code?: string; status?: number } {
  const e = err as { message?: unknown; code?: unknown } | null;
  const status = statusOf(err);
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(status !== undefined ? { status } : {}),
  };
}
