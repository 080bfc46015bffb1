import { WebSocket } from 'undici';
import type { ChannelEvent } from './options.js';

export const HEARTBEAT_TOPIC = 'channel.metadata';
export const SOCKET_CLOSING_TOPIC = 'v2.system.socket_closing';
/** The server took the channel away for a newer one / another socket took it over. */
export const CLOSE_EVICTED = 4000;
export const CLOSE_TAKEN_OVER = 4001;

/** What a ChannelSocket tells its owner: each message, and its end once it has been open. */
export interface ChannelSocketEvents {
  message(socket: ChannelSocket, data: unknown): void;
  ended(socket: ChannelSocket, code: number, reason: string): void;
}

/** One WebSocket on a channel's connectUri. */
export class ChannelSocket {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  /** cancels the heartbeat watchdog */
  readonly watch = new AbortController();
  lastMessageAt: number;

  constructor(
    readonly channelId: string,
    url: string,
    now: number,
    on: ChannelSocketEvents,
  ) {
    this.lastMessageAt = now;
    this.ws = new WebSocket(url);
    let open = false;
    this.opened = new Promise<void>((resolve, reject) => {
      this.ws.addEventListener('open', () => {
        open = true;
        resolve();
      });
      this.ws.addEventListener('close', (e) => {
        if (!open)
          reject(new Error(`the socket of channel ${channelId} did not open (close code ${e.code})`));
      });
    });
    this.closed = new Promise<void>((resolve) => this.ws.addEventListener('close', () => resolve()));
    this.ws.addEventListener('message', (e) => on.message(this, e.data));
    this.ws.addEventListener('close', (e) => {
      this.watch.abort();
      if (open) on.ended(this, e.code, e.reason);
    });
    // an 'error' is always followed by 'close', where the lane hears of it
    this.ws.addEventListener('error', () => {});
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.watch.abort();
    const s = this.ws.readyState;
    if (s === WebSocket.CONNECTING || s === WebSocket.OPEN) this.ws.close(1000, 'client closing');
  }
}

/** A message's envelope, or undefined when it is not JSON or names no topic. */
export function readMessage(data: unknown): ChannelEvent | undefined {
  if (typeof data !== 'string') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const m = v as { topicName?: unknown; eventBody?: unknown; metadata?: unknown };
  if (typeof m.topicName !== 'string' || m.topicName === '') return undefined;
  return {
    topicName: m.topicName,
    eventBody: m.eventBody,
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
  };
}
