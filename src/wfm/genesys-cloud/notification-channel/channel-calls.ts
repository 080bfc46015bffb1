import { z } from 'zod';
import {
  describe,
  NotificationChannelsAnswerError,
  NotificationChannelsRequestError,
  statusOf,
} from './errors.js';
import type { LaneHost } from './lane-host.js';
import type { LaneTimers } from './lane-timers.js';
import type { LaneWakes } from './lane-wakes.js';
import type { RejectedTopic } from './options.js';
import type { ChannelSocket } from './socket.js';

export const CHANNELS_PATH = '/api/v2/notifications/channels';

const ChannelAnswer = z.object({
  id: z.string().min(1),
  connectUri: z.string().min(1),
  expires: z.string().optional(),
});

const SubscriptionAnswer = z.object({
  entities: z.array(
    z.object({
      id: z.string(),
      state: z.string().optional(),
      rejectionReason: z.string().optional(),
      missingPermissions: z.array(z.string()).optional(),
    }),
  ),
});

export interface Channel {
  id: string;
  connectUri: string;
  /** the lane's topic generation its subscriptions reflect; 0 = none yet */
  gen: number;
  failedOpens: number;
  /** cancels the channel's renewal timer */
  renewal: AbortController;
}

/**
 * A lane's calls to the notifications API. HEAD, POST and PUT fail with a
 * NotificationChannelsRequestError, or a ClosedError as soon as the lane stops.
 */
export class ChannelCalls {
  constructor(
    private readonly h: LaneHost,
    /** the lane's topics: what `subscribe` puts on a channel, the rejected ones taken out */
    private readonly topics: Set<string>,
    private readonly timers: LaneTimers,
    private readonly wakes: LaneWakes,
  ) {}

  /** HEAD on the channel; throws (status 404) when it is gone. */
  async head(channel: Channel): Promise<void> {
    await this.#call('HEAD', `${CHANNELS_PATH}/${encodeURIComponent(channel.id)}`);
  }

  async create(): Promise<Channel> {
    const answer = await this.#call('POST', CHANNELS_PATH);
    const parsed = ChannelAnswer.safeParse(answer);
    if (!parsed.success)
      throw new NotificationChannelsAnswerError(`POST ${CHANNELS_PATH}`, parsed.error.message);
    this.h.stats.channelsCreated++;
    const channel: Channel = {
      id: parsed.data.id,
      connectUri: parsed.data.connectUri,
      gen: 0,
      failedOpens: 0,
      renewal: new AbortController(),
    };
    this.wakes.armRenewal(channel, parsed.data.expires);
    this.h.log.info({ channel: channel.id, topics: this.topics.size }, 'notification channel created');
    return channel;
  }

  /** PUT the lane's topics on the channel (replacing its subscriptions); takes the rejected ones out. */
  async subscribe(channel: Channel, gen: number): Promise<void> {
    const path = `${CHANNELS_PATH}/${encodeURIComponent(channel.id)}/subscriptions`;
    const answer = await this.#call(
      'PUT',
      `${path}?ignoreErrors=true`,
      [...this.topics].map((id) => ({ id })),
    );
    const parsed = SubscriptionAnswer.safeParse(answer);
    if (!parsed.success) throw new NotificationChannelsAnswerError(`PUT ${path}`, parsed.error.message);
    const rejected: RejectedTopic[] = [];
    for (const e of parsed.data.entities) {
      if (e.state !== 'Rejected') continue;
      this.topics.delete(e.id);
      rejected.push({
        id: e.id,
        ...(e.rejectionReason !== undefined ? { rejectionReason: e.rejectionReason } : {}),
        ...(e.missingPermissions !== undefined ? { missingPermissions: e.missingPermissions } : {}),
      });
    }
    channel.gen = gen;
    if (rejected.length > 0) this.h.rejected(rejected);
  }

  /** A replaced channel: its subscriptions go first, so the server stops sending there; then its socket. */
  async discard(channel: Channel, socket: ChannelSocket | undefined): Promise<void> {
    try {
      await this.h.http.json('DELETE', `${CHANNELS_PATH}/${encodeURIComponent(channel.id)}/subscriptions`);
    } catch (err) {
      this.h.log.debug(
        { channel: channel.id, err: describe(err) },
        'notification channel: dropping its subscriptions failed',
      );
    }
    socket?.close();
  }

  async #call(method: 'POST' | 'PUT' | 'HEAD', path: string, body?: unknown): Promise<unknown> {
    const call = this.h.http.json(method, path, body).catch((err: unknown) => {
      throw new NotificationChannelsRequestError(method, path, statusOf(err), err);
    });
    return this.timers.guard(call);
  }
}
