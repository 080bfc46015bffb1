import { setTimeout as delay } from 'node:timers/promises';
import { WfmBadResponseError, WfmError, WfmRateLimitedError } from '../errors.js';
import type { GenesysHttp } from './http.js';
import { WFM_PATH } from './org.js';
import type { ResultFeed } from './result-feed.js';
import { type AgentCopy, agentCopyFrom, type ScheduleRef } from './schedules.js';

export interface AgentQuery {
  businessUnitId: string;
  schedule: Pick<ScheduleRef, 'id' | 'weekDate'>;
  managementUnitId: string;
  userIds: string[];
  signal?: AbortSignal;
}

export interface AgentQueryOptions {
  /** where a `Processing` answer's result is announced, when the token may hear it */
  feed?: ResultFeed;
  /** how long to wait for that announcement before asking for smaller sets */
  asyncWaitMs: number;
  /** how many times a set is halved after a `Processing` answer that cannot be waited for */
  maxSplits: number;
  /** how many times one unit's query is asked after a server error or a lost answer (1: once) */
  attempts?: number;
  /** the pause before the second time (doubling) */
  retryPauseMs?: number;
}

/**
 * `queryAgents`, asked again alone after a server error, a timeout or a lost connection: a read
 * may always be repeated, and a read of many units must not be asked again whole because one
 * unit's query failed (each is a request of the 300 a minute). A 429 is not asked again here:
 * the client has already waited out its Retry-After a few times.
 */
export async function queryUnit(
  http: GenesysHttp,
  q: AgentQuery,
  o: AgentQueryOptions,
): Promise<AgentCopy[]> {
  const attempts = o.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await queryAgents(http, q, o);
    } catch (err) {
      const again =
        err instanceof WfmError &&
        err.retriable &&
        !(err instanceof WfmRateLimitedError) &&
        !q.signal?.aborted;
      if (!again || attempt >= attempts) throw err;
      await delay(
        (o.retryPauseMs ?? 250) * 2 ** (attempt - 1),
        undefined,
        q.signal ? { signal: q.signal } : {},
      );
    }
  }
}

/**
 * The agent schedules of some users of one management unit, through
 * `POST …/agentschedules/query`, whichever of its three shapes the answer takes: inline
 * `Complete`, `Complete` with a `downloadUrl`, or `Processing` with the result announced
 * later. There is no polling route; when no announcement comes (a client-credentials token
 * may not hear `users.{id}` topics), the set is halved and each half asked again, a bounded
 * number of times (smaller sets are answered inline).
 */
export async function queryAgents(
  http: GenesysHttp,
  q: AgentQuery,
  o: AgentQueryOptions,
  depth = 0,
): Promise<AgentCopy[]> {
  if (q.userIds.length === 0) return [];
  const path = `${WFM_PATH}/businessunits/${encodeURIComponent(q.businessUnitId)}/weeks/${q.schedule.weekDate}/schedules/${encodeURIComponent(q.schedule.id)}/agentschedules/query`;
  const answer = (await http.api({
    method: 'POST',
    path,
    body: { managementUnitId: q.managementUnitId, userIds: q.userIds },
    ...(q.signal ? { signal: q.signal } : {}),
  })) as { status?: unknown; operationId?: unknown; result?: unknown; downloadUrl?: unknown };
  if (answer?.status === 'Complete' && answer.result) return copies(q.schedule.id, answer.result);
  if (answer?.status === 'Complete' && typeof answer.downloadUrl === 'string')
    return download(http, q.schedule.id, answer.downloadUrl, q.signal);
  if (answer?.status === 'Processing' && typeof answer.operationId === 'string') {
    const heard = o.feed ? await o.feed.waitFor(answer.operationId, o.asyncWaitMs) : undefined;
    const url = (heard as { downloadUrl?: unknown } | undefined)?.downloadUrl;
    if (typeof url === 'string') return download(http, q.schedule.id, url, q.signal);
    if (depth >= o.maxSplits || q.userIds.length < 2) {
      throw new WfmBadResponseError(
        `the agent schedule query for ${q.userIds.length} user(s) of management unit '${q.managementUnitId}' answered Processing and its result was not announced within ${o.asyncWaitMs} ms, even after halving the set ${depth} time(s); allow the token to subscribe to v2.workforcemanagement.users.{id}.schedules.query, or check the org's query limits`,
        { request: { method: 'POST', path } },
      );
    }
    const half = Math.ceil(q.userIds.length / 2);
    const parts = [q.userIds.slice(0, half), q.userIds.slice(half)];
    const answers = await Promise.all(
      parts.map((userIds) => queryAgents(http, { ...q, userIds }, o, depth + 1)),
    );
    return answers.flat();
  }
  throw new WfmBadResponseError(
    `the agent schedule query answered status '${String(answer?.status)}' without a result, a downloadUrl or an operationId`,
    { request: { method: 'POST', path } },
  );
}

async function download(
  http: GenesysHttp,
  scheduleId: string,
  url: string,
  signal?: AbortSignal,
): Promise<AgentCopy[]> {
  const got = await http.storage('GET', url, signal ? { signal } : {});
  if (got.status >= 300) {
    throw new WfmBadResponseError(
      `the agent schedule download answered ${got.status} (a download URL expires; the query is asked again on the next read)`,
      { status: got.status, request: { method: 'GET', path: new URL(url).pathname } },
    );
  }
  // The body is the query's result; an org may wrap it in the whole answer (unverified): read either.
  const body = got.body as { result?: unknown; agentSchedules?: unknown };
  return copies(scheduleId, body?.agentSchedules ? body : body?.result);
}

function copies(scheduleId: string, result: unknown): AgentCopy[] {
  const list = (result as { agentSchedules?: unknown })?.agentSchedules;
  if (!Array.isArray(list))
    throw new WfmBadResponseError('an agent schedule query result without agentSchedules');
  return list.flatMap((a) => {
    const c = agentCopyFrom(scheduleId, a);
    return c ? [c] : [];
  });
}
