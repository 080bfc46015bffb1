import type { Channel } from './channel-calls.js';
import type { LaneHost } from './lane-host.js';
import type { LaneTimers } from './lane-timers.js';
import { ChannelSocket, type ChannelSocketEvents } from './socket.js';

/** A socket whose server never answers our close frame is given up on after this long, milliseconds. */
const CLOSE_WAIT_MS = 2_000;

/** Every socket of a lane not yet closed: the current one and those retired but still delivering. */
export class LaneSockets {
  readonly #sockets = new Set<ChannelSocket>();

  constructor(
    private readonly h: Pick<LaneHost, 'clock' | 'log'>,
    private readonly timers: LaneTimers,
    /** the lane is stopping: a socket that fails to open then is not the channel's fault */
    private readonly stopping: () => boolean,
    private readonly on: ChannelSocketEvents,
  ) {}

  /** A socket on the channel's connectUri, once it is open; counts the channel's failed opens. */
  async open(channel: Channel): Promise<ChannelSocket> {
    let socket: ChannelSocket;
    try {
      socket = new ChannelSocket(channel.id, channel.connectUri, this.h.clock.now(), this.on);
    } catch (err) {
      channel.failedOpens++;
      throw err;
    }
    this.#sockets.add(socket);
    void socket.closed.then(() => this.#sockets.delete(socket));
    try {
      await this.timers.guard(socket.opened);
    } catch (err) {
      socket.close();
      if (!this.stopping()) channel.failedOpens++;
      throw err;
    }
    channel.failedOpens = 0;
    return socket;
  }

  /** Closes every socket; resolves once they have all closed, or CLOSE_WAIT_MS later. */
  async closeAll(): Promise<void> {
    for (const s of this.#sockets) s.close();
    const waiting = new AbortController();
    await Promise.race([
      Promise.all([...this.#sockets].map((s) => s.closed)),
      this.h.clock.sleep(CLOSE_WAIT_MS, waiting.signal).then(
        () => this.h.log.warn({ sockets: this.#sockets.size }, 'notification sockets did not close in time'),
        () => {},
      ),
    ]);
    waiting.abort();
  }
}
