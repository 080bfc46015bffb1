import type { Channel } from './channel-calls.js';
import type { LaneHost } from './lane-host.js';
import type { LaneTimers } from './lane-timers.js';
import type { ChannelSocket } from './socket.js';

/** Why a lane's loop woke up. Socket wakes name their socket: one from a retired socket is stale. */
export type Wake =
  | { kind: 'ended'; socket: ChannelSocket; silent: boolean; code?: number; reason?: string }
  | { kind: 'socket-closing'; socket: ChannelSocket }
  | { kind: 'renew'; channel: Channel }
  | { kind: 'resync' }
  | { kind: 'stop' };

/**
 * A lane's mailbox: socket events, timers and topic changes post wakes here, and the lane's loop
 * takes them one at a time. Timed wakes run on the lane's timers, so stopping the lane cancels them.
 */
export class LaneWakes {
  readonly #mail: Wake[] = [];
  #waiter: (() => void) | undefined;

  constructor(
    private readonly h: Pick<LaneHost, 'clock' | 'settings' | 'renewalDelay'>,
    private readonly timers: LaneTimers,
  ) {}

  post(w: Wake): void {
    this.#mail.push(w);
    const wake = this.#waiter;
    this.#waiter = undefined;
    wake?.();
  }

  async next(): Promise<Wake> {
    while (this.#mail.length === 0) await new Promise<void>((resolve) => (this.#waiter = resolve));
    return this.#mail.shift()!;
  }

  /** Posts `w` once `ms` have passed, unless the lane stops or `control` is aborted first. */
  postAfter(ms: number, w: Wake, control?: AbortController): void {
    void this.timers.timer(ms, control).then((due) => {
      if (due) this.post(w);
    });
  }

  /** Posts `renew` for the channel when it is due; `expires` undefined: it has just been extended. */
  armRenewal(channel: Channel, expires: string | undefined): void {
    channel.renewal.abort();
    channel.renewal = new AbortController();
    this.postAfter(this.h.renewalDelay(expires), { kind: 'renew', channel }, channel.renewal);
  }

  /** Posts `ended … silent` when the socket has carried no message for heartbeatTimeoutMs. */
  watchdog(socket: ChannelSocket): void {
    const timeout = this.h.settings.heartbeatTimeoutMs;
    void (async () => {
      for (;;) {
        const idle = this.h.clock.now() - socket.lastMessageAt;
        if (idle >= timeout) {
          this.post({ kind: 'ended', socket, silent: true });
          return;
        }
        if (!(await this.timers.timer(timeout - idle, socket.watch))) return;
      }
    })();
  }
}
