import type { Clock } from '../../../time/clock.js';
import type { Lane } from './lane.js';
import type {
  ChannelConnectedInfo,
  ChannelEvent,
  ChannelHttp,
  ChannelLogger,
  RejectedTopic,
  Settings,
} from './options.js';
import type { NotificationChannelsStats } from './stats.js';

/** What every lane shares with the client that owns it. */
export interface LaneHost {
  readonly http: ChannelHttp;
  readonly clock: Clock;
  readonly log: ChannelLogger;
  readonly settings: Settings;
  readonly stats: NotificationChannelsStats;
  readonly random: () => number;
  /** milliseconds from now until a channel with this `expires` (none: just extended) should be renewed */
  renewalDelay(expires: string | undefined): number;
  /** the client holds as many channels as it may: a new one would make the server evict one */
  crowded(): boolean;
  connected(info: ChannelConnectedInfo): void;
  rejected(rejected: RejectedTopic[]): void;
  deliver(event: ChannelEvent): void;
  malformed(channelId: string): void;
  unknownTopic(channelId: string, topicName: string): void;
  /** the lane has ended with no topics left (all rejected): drop it */
  emptied(lane: Lane): void;
}
