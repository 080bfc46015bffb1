import type { Logger } from 'pino';
import type { Clock } from '../../time/clock.js';
import type { PublishWindow } from '../../time/publish-window.js';
import type { ActivityType } from '../contract.js';
import type { RequestGate } from '../http-client.js';
import type { TypePlacement } from './activity-codes.js';
import type { GenesysRequestEvent } from './http.js';
import type { TeamSource } from './org.js';

export interface GenesysCloudWfmOptions {
  /** `https://api.{region}` (e.g. api.mypurecloud.com) */
  apiBaseUrl: string;
  /** `https://login.{region}` */
  loginBaseUrl: string;
  businessUnitId: string;
  clientId: string;
  clientSecret: string;
  clock?: Clock;
  /** the shared budget (300 requests a minute per token, split between instances) */
  gate?: RequestGate;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  onRequest?: (event: GenesysRequestEvent) => void;
  teams?: TeamSource;
  /** where the project's activity types live among the BU's codes (category, and a name for a non-default one) */
  activityTypes?: Partial<Record<ActivityType, TypePlacement>>;
  /** the org's publish window: an `Error` at unchanged versions inside it is the week being published */
  publishWindow?: PublishWindow;
  uploads?: Partial<UploadOptions>;
  /** open a notification channel for results (default); false: every result is settled by re-reading */
  notifications?: boolean;
}

export interface UploadOptions {
  /** an upload goes once no change has arrived for this long… */
  lingerMs: number;
  /** …or once its first change has waited this long */
  maxWaitMs: number;
  /** agents in one upload */
  maxAgents: number;
  /** Genesys' request.bytes.max: the gzip body must stay under it */
  maxBytes: number;
  /** how long a job's result is awaited on the notification channel before the agents are re-read */
  resultTimeoutMs: number;
  /** after an `/update` whose answer was lost, how long to let its job run before re-reading */
  unknownSettleMs: number;
  /**
   * after a `Complete`, how long the read of a swap's agents (their re-created shifts' ids are
   * known only to Genesys) may wait to join another query of their management unit
   */
  readBackLaterMs: number;
  /** how long a `Processing` query's announcement is awaited before the set is halved */
  queryAsyncWaitMs: number;
  /** how long a reschedule run in progress defers a write before it is tried again */
  runLockRetryMs: number;
  /** internal re-uploads of one change after uploads that failed for it (refused, no result, bisected) */
  maxRounds: number;
  /** internal re-uploads of one change after uploads it lost to other changes (the schedule or another agent moved) */
  maxRaces: number;
}

export const DEFAULT_UPLOAD_OPTIONS: UploadOptions = {
  lingerMs: 40,
  maxWaitMs: 400,
  maxAgents: 250,
  maxBytes: 512_000,
  // Well inside the writer's attempt budget (writer.attemptBudgetMs, 30 s): a lost result is
  // settled by re-reading, and the change sent again if need be, before the budget runs out.
  resultTimeoutMs: 10_000,
  unknownSettleMs: 2_000,
  // A swap's outcome waits at most this long; the wait is credited back to its time budget.
  readBackLaterMs: 8_000,
  queryAsyncWaitMs: 10_000,
  runLockRetryMs: 60_000,
  maxRounds: 6,
  maxRaces: 20,
};

export interface GenesysWriteStats {
  uploads: number;
  uploadsFailed: number;
  resultsTimedOut: number;
  changesRequeued: number;
  changesBisected: number;
  agentsPerUpload: number[];
}

/** The notification topics the backend holds: upload results, reschedule runs, and Processing queries' results. */
export function resultTopics(
  businessUnitId: string,
  clientId: string,
): {
  schedules: string;
  runs: string;
  query: string;
} {
  return {
    schedules: `v2.workforcemanagement.businessunits.${businessUnitId}.schedules`,
    runs: `v2.workforcemanagement.businessunits.${businessUnitId}.scheduling.runs`,
    query: `v2.workforcemanagement.users.${clientId}.schedules.query`,
  };
}
