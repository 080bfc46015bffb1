import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type ApiRequest, boolParam, type Route } from './api-request.js';
import type { DownloadHost } from './download-host.js';
import { GenesysError } from './genesys-error.js';
import type { GenesysWfm } from './genesys-wfm.js';
import type { JobRunner } from './job-runner.js';
import type { Principal } from './login-host.js';
import type { GSchedule } from './model.js';
import { ROUTE_PERMISSIONS, requireAny } from './permissions.js';
import { requireBusinessUnit, scheduleAt } from './route-params.js';
import { runToWire } from './scheduling-runs.js';
import type { UploadSigner } from './upload-signer.js';
import { queryResultTopic } from './wfm-topics.js';
import { agentScheduleToWire, iso, WFM } from './wire.js';

const QueryBody = z.object({
  managementUnitId: z.string().min(1),
  userIds: z.array(z.string()).optional(),
  teamIds: z.array(z.string()).optional(),
});
const UploadUrlBody = z.object({ contentLengthBytes: z.number().int().positive() });
const UpdateBody = z.object({
  uploadKey: z.string().min(1),
  teamIds: z.array(z.string()).optional(),
  managementUnitIdsForAddedTeamUsers: z.array(z.string()).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new GenesysError('invalid.value', `${what}: ${i.path.join('.') || '(body)'}: ${i.message}`);
}

export interface ScheduleRouteDeps {
  wfm: GenesysWfm;
  signer: UploadSigner;
  downloads: DownloadHost;
  jobs: JobRunner;
  notify(topicName: string, eventBody: unknown): void;
  /** counts a job's notification lost to the notificationLossRate fault */
  onLost(): void;
}

/** The agent schedules of one management unit in a schedule, narrowed to userIds and teamIds. */
function queryResult(
  wfm: GenesysWfm,
  schedule: GSchedule,
  q: z.infer<typeof QueryBody>,
): Record<string, unknown> {
  const users = wfm.store.state.users.filter(
    (u) =>
      u.managementUnitId === q.managementUnitId &&
      (!q.userIds || q.userIds.includes(u.id)) &&
      (!q.teamIds || q.teamIds.includes(u.teamId)),
  );
  return {
    agentSchedules: users
      .map((u) => schedule.agents[u.id])
      .filter((a) => a !== undefined)
      .map((a) => agentScheduleToWire(a, wfm.businessUnitId, schedule)),
    businessUnitTimeZone: wfm.store.zone,
  };
}

/** Reading agent schedules (all three answer shapes), the upload and update of a schedule, and reschedule runs. */
export function scheduleRoutes(d: ScheduleRouteDeps): Route[] {
  const { wfm } = d;
  const lost = () => wfm.faults.notificationLossRate > 0 && wfm.random() < wfm.faults.notificationLossRate;
  const schedulePath = `${WFM}/businessunits/:buId/weeks/:weekId/schedules/:scheduleId`;
  return [
    {
      method: 'POST',
      pattern: `${schedulePath}/agentschedules/query`,
      async handle(r: ApiRequest, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.scheduleRead, 'POST agent schedules query');
        const schedule = scheduleAt(wfm, p.buId!, p.weekId!, p.scheduleId!);
        const q = parse(QueryBody, await r.json(), 'BuQueryAgentSchedulesRequest');
        if (!wfm.store.state.managementUnits.some((m) => m.id === q.managementUnitId))
          throw new GenesysError('not.found', `management unit ${q.managementUnitId} does not exist`);
        const operationId = randomUUID();
        const result = queryResult(wfm, schedule, q);
        const shape = answerShape(wfm, r.query, (result.agentSchedules as unknown[]).length);
        if (shape === 'inline') return { status: 200, body: { status: 'Complete', operationId, result } };
        if (shape === 'download') {
          const url = d.downloads.put(downloadBody(wfm, operationId, result), r.origin);
          return { status: 200, body: { status: 'Complete', operationId, downloadUrl: url } };
        }
        startAsyncQuery(d, r.principal, r.origin, schedule.id, q, operationId, lost);
        return { status: 200, body: { status: 'Processing', operationId, progress: 0 } };
      },
    },
    {
      method: 'POST',
      pattern: `${schedulePath}/update/uploadurl`,
      async handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.scheduleEdit, 'POST update/uploadurl');
        const schedule = scheduleAt(wfm, p.buId!, p.weekId!, p.scheduleId!);
        const body = parse(UploadUrlBody, await r.json(), 'UploadUrlRequestBody');
        const max = wfm.behaviour.uploadMaxBytes;
        if (body.contentLengthBytes > max) {
          throw new GenesysError(
            'invalid.value',
            `contentLengthBytes ${body.contentLengthBytes} is over the ${max}-byte limit of an upload: split the agents over more uploads`,
          );
        }
        return {
          status: 200,
          body: d.signer.sign(
            {
              businessUnitId: wfm.businessUnitId,
              scheduleId: schedule.id,
              clientId: r.principal.clientId,
              contentLengthBytes: body.contentLengthBytes,
            },
            r.origin,
          ),
        };
      },
    },
    {
      method: 'POST',
      pattern: `${schedulePath}/update`,
      async handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.scheduleEdit, 'POST update');
        const schedule = scheduleAt(wfm, p.buId!, p.weekId!, p.scheduleId!);
        const body = parse(UpdateBody, await r.json(), 'ProcessScheduleUpdateUploadRequest');
        wfm.tick();
        const lock = wfm.behaviour.publishLockAnswer === 'http-409' ? wfm.publishLock(schedule) : null;
        if (lock) {
          throw new GenesysError(
            'conflict',
            `the week of ${lock.week} is being published until ${iso(lock.until)}; update schedule ${schedule.id} after that`,
            { 'retry-after': String(Math.max(1, Math.ceil((lock.until - wfm.clock.now()) / 1000))) },
          );
        }
        const bytes = d.signer.take(body.uploadKey, schedule.id);
        const operationId = randomUUID();
        const clientId = r.principal.clientId;
        wfm.record({
          operationId,
          kind: 'update',
          scheduleId: schedule.id,
          clientId,
          status: 'Processing',
          submittedAt: iso(wfm.clock.now()),
        });
        d.jobs.enqueue(() => {
          const outcome = wfm.runUpdate(schedule.id, bytes, clientId, operationId);
          const notified = !lost();
          wfm.record({
            operationId,
            kind: 'update',
            scheduleId: schedule.id,
            clientId,
            status: outcome.status,
            ...(outcome.status === 'Error' ? { reason: outcome.reason } : {}),
            submittedAt: wfm.operations.get(operationId)?.submittedAt ?? iso(wfm.clock.now()),
            completedAt: iso(wfm.clock.now()),
            notified,
          });
          if (!notified) return d.onLost();
          d.notify(
            wfm.schedulesTopic,
            outcome.status === 'Complete'
              ? { status: 'Complete', operationId, eventType: 'Update', result: outcome.result }
              : { status: 'Error', operationId, eventType: 'Update' },
          );
        });
        if (wfm.faults.errorAfterWriteRate > 0 && wfm.random() < wfm.faults.errorAfterWriteRate)
          throw new GenesysError(
            'internal.server.error',
            'injected fault: the update may or may not have been started',
          );
        return { status: 200, body: { status: 'Processing', operationId } };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId/scheduling/runs`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.schedulingRuns, 'GET scheduling runs');
        requireBusinessUnit(wfm, p.buId!);
        return {
          status: 200,
          body: { entities: wfm.runs.runs.map((run) => runToWire(run, wfm.businessUnitId)) },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${WFM}/businessunits/:buId/scheduling/runs/:runId`,
      handle(r, p) {
        requireAny(r.principal, ROUTE_PERMISSIONS.schedulingRuns, 'GET scheduling run');
        requireBusinessUnit(wfm, p.buId!);
        const run = wfm.runs.get(p.runId!);
        if (!run) throw new GenesysError('not.found', `scheduling run ${p.runId} does not exist`);
        return { status: 200, body: runToWire(run, wfm.businessUnitId) };
      },
    },
  ];
}

function answerShape(
  wfm: GenesysWfm,
  query: URLSearchParams,
  agents: number,
): 'inline' | 'download' | 'async' {
  const mode = wfm.behaviour.queryAnswer;
  const forceAsync = boolParam(query, 'forceAsync');
  const forceDownload = boolParam(query, 'forceDownloadService');
  if (mode !== 'auto') return mode;
  if (forceAsync || agents > wfm.behaviour.asyncAboveAgents) return 'async';
  if (forceDownload || agents > wfm.behaviour.downloadInlineMaxAgents) return 'download';
  return 'inline';
}

function downloadBody(wfm: GenesysWfm, operationId: string, result: Record<string, unknown>): unknown {
  return wfm.behaviour.downloadBody === 'envelope' ? { status: 'Complete', operationId, result } : result;
}

/** The query job: the result read when it runs, behind a download URL, announced on the query topic. */
function startAsyncQuery(
  d: ScheduleRouteDeps,
  principal: Principal,
  origin: string,
  scheduleId: string,
  q: z.infer<typeof QueryBody>,
  operationId: string,
  lost: () => boolean,
): void {
  const { wfm } = d;
  const topic = queryResultTopic(wfm, principal);
  wfm.record({
    operationId,
    kind: 'query',
    scheduleId,
    clientId: principal.clientId,
    status: 'Processing',
    submittedAt: iso(wfm.clock.now()),
  });
  d.jobs.enqueue(() => {
    const schedule = wfm.store.schedule(scheduleId);
    const op = wfm.operations.get(operationId);
    if (!schedule) {
      wfm.record({
        ...op!,
        status: 'Error',
        reason: `schedule ${scheduleId} no longer exists`,
        completedAt: iso(wfm.clock.now()),
      });
      return;
    }
    const downloadUrl = d.downloads.put(
      downloadBody(wfm, operationId, queryResult(wfm, schedule, q)),
      origin,
    );
    const notified = !lost();
    wfm.record({ ...op!, status: 'Complete', completedAt: iso(wfm.clock.now()), notified });
    if (!notified) return d.onLost();
    const payload = { operationId, businessUnitId: wfm.businessUnitId, downloadUrl };
    d.notify(
      topic,
      wfm.behaviour.queryNotificationTopic === 'business-unit' ? { status: 'Complete', ...payload } : payload,
    );
  });
}
