import type { PublishWindow } from '../../time/publish-window.js';
import type { ScheduleSnapshot } from '../../wfm/snapshot.js';
import type { TrunkScenarioOptions } from './trunk-options.js';

/**
 * How the emulated Genesys Cloud behaves. Every switch marked "unverified" picks between two
 * readings of something the reference (shared/reference/genesys-cloud-wfm.md) could not confirm;
 * the default is the stricter one, the one a client built against it is likeliest to survive on
 * a real org with. docs/wfm-genesys-cloud.md lists each.
 */
export interface GenesysBehaviour {
  /** sustained requests per minute per access token (Genesys' token.rate.per.minute); 0 = unlimited */
  rateLimitPerMinute: number;
  /** bucket size of that limit: how many requests may come at once */
  rateLimitBurst: number;
  /** request.bytes.max: the largest JSON body an API request may carry */
  requestMaxBytes: number;
  /** unverified: the largest gzip upload uploadurl signs a URL for (the request limit applies; false reading: S3's own, much larger) */
  uploadMaxBytes: number;
  /** lifetime of an access token from the login host, seconds (virtual clock) */
  tokenTtlSeconds: number;
  /** lifetime of a signed upload URL, seconds (virtual clock) */
  uploadUrlTtlSeconds: number;
  /** lifetime of a download URL, seconds (virtual clock) */
  downloadUrlTtlSeconds: number;
  /** unverified: an upload URL takes one PUT and its uploadKey one /update (false: a second PUT overwrites, as S3 does, and a key can be processed again) */
  uploadSingleUse: boolean;
  /** unverified: shifts of an uploaded agent that the upload leaves out are deleted ('replace'); 'keep': they stay as they are */
  omittedShifts: 'replace' | 'keep';
  /** unverified: a stale version anywhere fails the whole update ('all-or-nothing'); 'per-agent': the agents whose versions hold are applied */
  updateAtomicity: 'all-or-nothing' | 'per-agent';
  /** unverified: the schedule's own metadata.version is checked on every upload (false: only agents' versions) */
  checkScheduleVersion: boolean;
  /** unverified: every applied update, publish and other-integration change bumps the schedule's version (false: only publishing does) */
  scheduleVersionBumpsOnAgentEdit: boolean;
  /** unverified: how far an applied update moves each agent it names (1, as the reference's sketch has it; a client must not rely on it) */
  agentVersionStep: number;
  /** unverified: publishing bumps every agent's version in the schedule (false: only the schedule's) */
  publishBumpsAgentVersions: boolean;
  /** unverified: activities must tile their shift exactly ('tile'); 'within': inside it, without overlaps, gaps allowed */
  activityLayout: 'tile' | 'within';
  /** unverified: shift starts, lengths and activity bounds lie on this grid, minutes, in the business unit's zone */
  gridMinutes: number;
  maxShiftHours: number;
  /** unverified: the route's weekId must be the schedule's own weekDate ('schedule-week'); 'any-covered-week': any week the schedule spans */
  weekIdMatch: 'schedule-week' | 'any-covered-week';
  /** unverified: default activity codes get opaque ids ('opaque'); 'enum-order': "0".."7" in the category enum's order */
  defaultCodeIds: 'opaque' | 'enum-order';
  /** unverified: what a write to a week being published gets: an Error result ('error-result') or a synchronous 409 on /update ('http-409') */
  publishLockAnswer: 'error-result' | 'http-409';
  /** unverified: a reschedule run Queued or Scheduling makes updates touching its management units fail with an Error result (false: they apply) */
  rescheduleLocksWrites: boolean;
  /**
   * How the agent-schedule query answers: 'auto' honours forceAsync and forceDownloadService and
   * sends results over downloadInlineMaxAgents agents by download URL and over asyncAboveAgents
   * asynchronously; the others answer every query one way
   */
  queryAnswer: 'auto' | 'inline' | 'download' | 'async';
  downloadInlineMaxAgents: number;
  asyncAboveAgents: number;
  /** unverified: where an asynchronous query's result is announced: the SDK's `v2.workforcemanagement.users.{id}.schedules.query` ('user') or the business unit's schedules topic ('business-unit') */
  queryNotificationTopic: 'user' | 'business-unit';
  /** unverified: a client-credentials token may subscribe to `users.{id}` topics, {id} being its OAuth client id (false: rejected, it has no user) */
  clientCredentialsUserTopics: boolean;
  /** unverified: a download URL's body is the query's `result` ('result'); 'envelope': the whole async response */
  downloadBody: 'result' | 'envelope';
  /** real milliseconds an update or asynchronous query job takes before its notification */
  jobMs: number;
  /** which schedule week the publish job publishes, relative to the week containing the window's opening */
  publishedWeekOffset: number;
  /** the notification channels' heartbeat, real milliseconds (Genesys: about 30 s) */
  heartbeatMs: number;
  /** real milliseconds between `v2.system.socket_closing` and the socket's close (Genesys: about a minute) */
  socketClosingGraceMs: number;
  /** a channel's lifetime from its creation or its last subscription change, hours (virtual clock) */
  channelTtlHours: number;
  maxChannelsPerClient: number;
  maxTopicsPerChannel: number;
}

export const DEFAULT_GENESYS_BEHAVIOUR: GenesysBehaviour = {
  rateLimitPerMinute: 300,
  rateLimitBurst: 300,
  requestMaxBytes: 512_000,
  uploadMaxBytes: 512_000,
  tokenTtlSeconds: 86_400,
  uploadUrlTtlSeconds: 600,
  downloadUrlTtlSeconds: 3_600,
  uploadSingleUse: true,
  omittedShifts: 'replace',
  updateAtomicity: 'all-or-nothing',
  checkScheduleVersion: true,
  scheduleVersionBumpsOnAgentEdit: true,
  agentVersionStep: 1,
  publishBumpsAgentVersions: true,
  activityLayout: 'tile',
  gridMinutes: 15,
  maxShiftHours: 12,
  weekIdMatch: 'schedule-week',
  defaultCodeIds: 'opaque',
  publishLockAnswer: 'error-result',
  rescheduleLocksWrites: true,
  queryAnswer: 'auto',
  downloadInlineMaxAgents: 50,
  asyncAboveAgents: 200,
  queryNotificationTopic: 'user',
  clientCredentialsUserTopics: false,
  downloadBody: 'result',
  jobMs: 20,
  publishedWeekOffset: 0,
  heartbeatMs: 30_000,
  socketClosingGraceMs: 60_000,
  channelTtlHours: 24,
  maxChannelsPerClient: 20,
  maxTopicsPerChannel: 1_000,
};

/** Fault injection, per request to /api/v2 (never the login host, the upload host or /_sandbox). */
export interface GenesysFaults {
  /** added latency per request, milliseconds: uniform in [latencyMs, latencyMs + latencyJitterMs] */
  latencyMs: number;
  latencyJitterMs: number;
  /** share of requests answered 500 or 503 (half each) before doing anything */
  errorRate: number;
  /** share of /update requests whose job is started and then answered 500 (the client can't know it runs) */
  errorAfterWriteRate: number;
  /** share of requests whose connection is reset without an answer */
  resetRate: number;
  /** share of job results (update or query) whose notification is never sent */
  notificationLossRate: number;
  /** "other integration": agent-schedule changes per second (bump versions, change no shift) */
  mutatorPerSecond: number;
  /**
   * "other integration" racing the clients: for this share of the agent schedules (chosen by the
   * seed and `scheduleId/userId`) its change lands just before a client's first update touching
   * the agent, outside a locked week, so that update meets a stale version
   */
  mutatorBeforeWriteShare: number;
  seed: number;
}

export const DEFAULT_GENESYS_FAULTS: GenesysFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  errorAfterWriteRate: 0,
  resetRate: 0,
  notificationLossRate: 0,
  mutatorPerSecond: 0,
  mutatorBeforeWriteShare: 0,
  seed: 1,
};

/** An OAuth client of the login host, with the permissions its role grants. */
export interface GenesysClient {
  id: string;
  secret: string;
  permissions: string[];
}

/**
 * Everything a client of this backend needs: reads, writes, runs and the notifications it listens
 * to; and the trunk routes and trunk metrics topics (`telephony:plugin:all`).
 */
export const DEFAULT_PERMISSIONS = [
  'wfm:businessUnit:view',
  'wfm:managementUnit:view',
  'wfm:agent:view',
  'wfm:activityCode:view',
  'wfm:schedule:view',
  'wfm:publishedSchedule:view',
  'wfm:schedule:edit',
  'wfm:schedule:generate',
  'groups:team:view',
  'telephony:plugin:all',
];

export const DEFAULT_GENESYS_CLIENTS: GenesysClient[] = [
  { id: 'trunk-reactor', secret: 'sandbox-secret', permissions: DEFAULT_PERMISSIONS },
];

export interface GenesysSandboxOptions {
  /** API host port (0 picks a free one); the upload, download and streaming hosts share it */
  port?: number;
  /** login host port; default 0 (a free one) */
  loginPort?: number;
  host?: string;
  /** initial schedule, in the project's snapshot form; default: the built-in APAC demo schedule */
  snapshot?: ScheduleSnapshot;
  /** file to load state from at start and save to on change and on close */
  dataFile?: string;
  clockStart?: number;
  clockFrozen?: boolean;
  publishWindow?: PublishWindow;
  behaviour?: Partial<GenesysBehaviour>;
  faults?: Partial<GenesysFaults>;
  clients?: GenesysClient[];
  /** the trunks and the trunk metrics scenario; default: the demo's events, 2 edges, waiting to play */
  trunks?: TrunkScenarioOptions;
}
