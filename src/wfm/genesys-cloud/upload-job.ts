import { setTimeout as delay } from 'node:timers/promises';
import { WfmError, WfmServerError } from '../errors.js';
import type { GenesysHttp } from './http.js';
import type { UploadOptions } from './options.js';
import { WFM_PATH } from './org.js';
import type { ResultFeed } from './result-feed.js';
import type { ScheduleRef } from './schedules.js';

/** What became of one upload, as far as the client can tell. */
export type JobOutcome =
  | { kind: 'complete'; result: unknown }
  | { kind: 'error' }
  /** no answer: the job may or may not have run */
  | { kind: 'unknown' }
  /** refused before any job could start (uploadurl or the PUT failed) */
  | { kind: 'failed'; err: unknown };

export interface JobCounts {
  uploadsFailed: number;
  resultsTimedOut: number;
}

/**
 * One schedule update job: `POST …/update/uploadurl` with the gzip length, `PUT` the bytes to
 * the signed URL with exactly the headers it came with, `POST …/update` with the key, then the
 * result announced on the BU schedules topic by operationId — or, when none comes within
 * `resultTimeoutMs` (or no channel is open), `unknown` for the caller to settle by re-reading.
 */
export async function runUpdateJob(
  http: GenesysHttp,
  feed: ResultFeed | undefined,
  businessUnitId: string,
  schedule: ScheduleRef,
  body: Buffer,
  o: Pick<UploadOptions, 'resultTimeoutMs' | 'unknownSettleMs'>,
  counts: JobCounts,
): Promise<JobOutcome> {
  const base = `${WFM_PATH}/businessunits/${encodeURIComponent(businessUnitId)}/weeks/${schedule.weekDate}/schedules/${encodeURIComponent(schedule.id)}`;
  let uploadKey: string;
  try {
    const signed = (await http.api({
      method: 'POST',
      path: `${base}/update/uploadurl`,
      body: { contentLengthBytes: body.length },
    })) as { uploadKey?: unknown; url?: unknown; headers?: unknown };
    if (typeof signed?.uploadKey !== 'string' || typeof signed.url !== 'string')
      throw new WfmServerError('uploadurl answered without uploadKey and url');
    uploadKey = signed.uploadKey;
    const headers = Object.fromEntries(
      Object.entries((signed.headers as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
    );
    const put = await http.storage('PUT', signed.url, {
      headers: { ...headers, 'content-length': String(body.length) },
      body,
    });
    if (put.status >= 300) {
      const code = /<Code>([^<]+)<\/Code>/.exec(put.text)?.[1];
      throw new WfmServerError(
        `the signed upload URL refused the upload (${put.status}${code ? ` ${code}` : ''}); a new URL is asked for on the next try`,
        { status: 502 },
      );
    }
  } catch (err) {
    counts.uploadsFailed++;
    return { kind: 'failed', err };
  }
  let answer: { status?: unknown; operationId?: unknown; result?: unknown };
  try {
    answer = (await http.api({
      method: 'POST',
      path: `${base}/update`,
      body: { uploadKey },
    })) as typeof answer;
  } catch (err) {
    counts.uploadsFailed++;
    // A 4xx was refused before any job; anything else may have started one.
    if (err instanceof WfmError && err.status !== undefined && err.status < 500 && err.status !== 429)
      return { kind: 'error' };
    await delay(o.unknownSettleMs);
    return { kind: 'unknown' };
  }
  if (answer?.status === 'Complete' && answer.result) return { kind: 'complete', result: answer.result };
  if (answer?.status === 'Error' || answer?.status === 'Canceled') return { kind: 'error' };
  if (typeof answer?.operationId !== 'string') return { kind: 'unknown' };
  const heard = feed ? await feed.waitFor(answer.operationId, o.resultTimeoutMs) : undefined;
  if (!heard) {
    if (!feed) await delay(o.unknownSettleMs);
    counts.resultsTimedOut++;
    return { kind: 'unknown' };
  }
  if ((heard as { status?: unknown }).status === 'Complete')
    return { kind: 'complete', result: (heard as { result?: unknown }).result };
  return { kind: 'error' };
}
