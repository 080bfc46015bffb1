import type { Logger } from 'pino';
import type { GenesysHttp } from './http.js';
import { NotificationChannels } from './notification-channel.js';

/**
 * Where asynchronous results arrive: `/update` jobs and `Processing` queries announce their
 * outcome on notification topics, matched here by `operationId`. There is no polling route,
 * so a caller always bounds its wait and has a fallback (re-read) for an announcement lost
 * while the socket was down.
 */
export interface ResultFeed {
  /** the announcement for `operationId`, or undefined when none came within `timeoutMs` */
  waitFor(operationId: string, timeoutMs: number): Promise<unknown | undefined>;
}

interface Waiter {
  resolve(body: unknown): void;
  timer: NodeJS.Timeout;
}

const KEPT = 2_000;

export class ChannelResultFeed implements ResultFeed {
  readonly #seen = new Map<string, unknown>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #channels: NotificationChannels;
  #started: Promise<void> | undefined;
  /** topics the org refused, with why: what `wfm check` reports */
  rejected: Array<{ id: string; rejectionReason?: string; missingPermissions?: string[] }> = [];

  constructor(
    http: GenesysHttp,
    readonly topics: string[],
    private readonly listeners: {
      onScheduleUpdate?: (body: unknown) => void;
      onRun?: (body: unknown) => void;
      onReconnect?: () => void;
    },
    logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>,
  ) {
    this.#channels = new NotificationChannels({
      http: {
        json: (method, path, body) => http.api({ method, path, ...(body !== undefined ? { body } : {}) }),
      },
      topics,
      onEvent: (e) => this.#event(e.topicName, e.eventBody),
      onConnected: (info) => {
        if (!info.reconnect) return;
        // What was announced while the socket was down is lost for good: every wait ends now,
        // and its caller settles by re-reading instead of waiting out its timeout.
        this.#endWaits();
        this.listeners.onReconnect?.();
      },
      onRejected: (r) => {
        this.rejected = r;
      },
      ...(logger ? { logger } : {}),
    });
  }

  /** Opens the channel (once); a failure is thrown to the caller, who reads instead of waiting. */
  start(): Promise<void> {
    const started =
      this.#started ??
      this.#channels.start().then(
        () => undefined,
        (err: unknown) => {
          this.#started = undefined;
          throw err;
        },
      );
    this.#started = started;
    return started;
  }

  get live(): boolean {
    return this.#channels.open;
  }

  get stats() {
    return this.#channels.stats;
  }

  waitFor(operationId: string, timeoutMs: number): Promise<unknown | undefined> {
    if (this.#seen.has(operationId)) return Promise.resolve(this.#seen.get(operationId));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const list = this.#waiters.get(operationId) ?? [];
          const rest = list.filter((w) => w !== waiter);
          if (rest.length > 0) this.#waiters.set(operationId, rest);
          else this.#waiters.delete(operationId);
          resolve(undefined);
        }, timeoutMs),
      };
      waiter.timer.unref?.();
      this.#waiters.set(operationId, [...(this.#waiters.get(operationId) ?? []), waiter]);
    });
  }

  async close(): Promise<void> {
    this.#endWaits();
    await this.#channels.close();
  }

  #endWaits(): void {
    for (const list of this.#waiters.values())
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve(undefined);
      }
    this.#waiters.clear();
  }

  #event(topic: string, body: unknown): void {
    if (topic.endsWith('.scheduling.runs')) this.listeners.onRun?.(body);
    else if (topic.endsWith('.schedules')) this.listeners.onScheduleUpdate?.(body);
    const op = (body as { operationId?: unknown } | null)?.operationId;
    if (typeof op !== 'string') return;
    // A progress report is not the result.
    if ((body as { status?: unknown }).status === 'Processing') return;
    this.#seen.set(op, body);
    if (this.#seen.size > KEPT) this.#seen.delete(this.#seen.keys().next().value!);
    const waiters = this.#waiters.get(op);
    if (!waiters) return;
    this.#waiters.delete(op);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.resolve(body);
    }
  }
}
