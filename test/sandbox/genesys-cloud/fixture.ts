import { gzipSync } from 'node:zlib';
import { fetch, WebSocket } from 'undici';
import { afterEach } from 'vitest';
import type { GenesysSandboxOptions } from '../../../src/sandbox/genesys-cloud/options.js';
import {
  type RunningGenesysSandbox,
  startGenesysSandbox,
} from '../../../src/sandbox/genesys-cloud/server.js';
import { sandboxAdminRequest } from '../../support/sandbox-admin-http.js';
import { smallSchedule, WEDNESDAY } from '../fixture.js';

export { WEDNESDAY };

const running: RunningGenesysSandbox[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** The emulated Genesys Cloud on free ports, its virtual clock frozen on Wednesday 2026-11-25 10:00 SGT. */
export async function genesys(options: GenesysSandboxOptions = {}): Promise<RunningGenesysSandbox> {
  const s = await startGenesysSandbox({
    port: 0,
    snapshot: smallSchedule(),
    clockStart: WEDNESDAY,
    clockFrozen: true,
    ...options,
    behaviour: { jobMs: 5, ...options.behaviour },
  });
  running.push(s);
  return s;
}

/** The wire shapes the tests read, as the emulated API answers them. */
export interface Activity {
  startDate: string;
  lengthMinutes: number;
  description: string;
  activityCodeId: string;
}
export interface Shift {
  id: string;
  startDate: string;
  lengthMinutes: number;
  activities: Activity[];
  manuallyEdited: boolean;
}
export interface AgentSchedule {
  user: { id: string };
  shifts: Shift[];
  metadata: { version: number };
}
export interface MuSummary {
  managementUnit: { id: string };
  agentCount: number;
  agents: Array<{ id: string }>;
  startDate?: string;
  endDate?: string;
}
export interface ScheduleMeta {
  id: string;
  weekDate: string;
  weekCount: number;
  published: boolean;
  description: string;
  metadata: { version: number };
  managementUnits?: MuSummary[];
}
export interface AsyncQuery {
  status: string;
  operationId: string;
  progress?: number;
  result?: { agentSchedules: AgentSchedule[]; businessUnitTimeZone: string };
  downloadUrl?: string;
}
export interface Signed {
  uploadKey: string;
  url: string;
  headers: Record<string, string>;
}
export interface ErrorBody {
  message: string;
  code: string;
  status: number;
}
export interface Listing<T> {
  entities: T[];
  nextUri?: string;
  downloadUrl?: string;
}
export interface EventBody {
  status?: string;
  operationId?: string;
  eventType?: string;
  result?: ScheduleMeta & { state?: string; intradayRescheduling?: boolean };
  message?: string;
  downloadUrl?: string;
  businessUnitId?: string;
  channelId?: string;
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Client credentials at the login host, as a client sends them: HTTP Basic and a form body. */
export async function token(
  s: RunningGenesysSandbox,
  id = 'trunk-reactor',
  secret = 'sandbox-secret',
): Promise<string> {
  const r = await fetch(`${s.loginUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

/** One API call with a bearer token; the body parsed as JSON when it is. */
export async function api<T = unknown>(
  s: RunningGenesysSandbox,
  accessToken: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (accessToken !== null) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.apiBaseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers as unknown as Headers, body: parsed as T };
}

export function admin<T = Record<string, unknown>>(
  s: RunningGenesysSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return sandboxAdminRequest<T>(s.url, method, path, body);
}

export const WFM = '/api/v2/workforcemanagement';

export interface Message {
  topicName: string;
  eventBody: EventBody;
}

/** A channel's WebSocket with its messages queued, and a wait for the next one that matches. */
export interface Socket {
  ws: WebSocket;
  messages: Message[];
  closed: Promise<{ code: number; reason: string }>;
  next(match: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
}

export async function connect(connectUri: string): Promise<Socket> {
  const ws = new WebSocket(connectUri);
  sockets.push(ws);
  const messages: Message[] = [];
  const waiters: Array<() => void> = [];
  ws.addEventListener('message', (e) => {
    messages.push(JSON.parse(String(e.data)) as Message);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error(`could not connect to ${connectUri}`)));
  });
  const next = (match: (m: Message) => boolean, timeoutMs = 2_000) =>
    new Promise<Message>((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < messages.length; seen++) {
          const m = messages[seen]!;
          if (match(m)) {
            clearTimeout(timer);
            messages.splice(seen, 1);
            return resolve(m);
          }
        }
        waiters.push(check);
      };
      const timer = setTimeout(() => reject(new Error('no matching message came in time')), timeoutMs);
      check();
    });
  return { ws, messages, closed, next };
}

/** A channel subscribed to `topics`, with its socket open. */
export async function channel(
  s: RunningGenesysSandbox,
  accessToken: string,
  topics: string[],
): Promise<Socket & { id: string }> {
  const created = await api<{ id: string; connectUri: string }>(
    s,
    accessToken,
    'POST',
    '/api/v2/notifications/channels',
  );
  const sub = await api(
    s,
    accessToken,
    'PUT',
    `/api/v2/notifications/channels/${created.body.id}/subscriptions`,
    topics.map((id) => ({ id })),
  );
  if (sub.status !== 200) throw new Error(`subscribe: ${sub.status} ${JSON.stringify(sub.body)}`);
  return { id: created.body.id, ...(await connect(created.body.connectUri)) };
}

export interface Target {
  buId: string;
  scheduleId: string;
  weekDate: string;
}

/** The published schedule whose weekDate is `weekDate`, with its listing entry. */
export async function publishedSchedule(s: RunningGenesysSandbox, accessToken: string, weekDate: string) {
  const buId = s.wfm.businessUnitId;
  const r = await api<Listing<ScheduleMeta>>(
    s,
    accessToken,
    'GET',
    `${WFM}/businessunits/${buId}/weeks/${weekDate}/schedules?includeOnlyPublished=true`,
  );
  const entity = r.body.entities.find((e) => e.weekDate === weekDate)!;
  return { buId, scheduleId: entity.id, weekDate, version: entity.metadata.version };
}

/** Agent schedules of one management unit through the query route, answered inline. */
export async function queryAgents(
  s: RunningGenesysSandbox,
  accessToken: string,
  t: Target,
  body: object,
): Promise<AgentSchedule[]> {
  const r = await api<AsyncQuery>(
    s,
    accessToken,
    'POST',
    `${WFM}/businessunits/${t.buId}/weeks/${t.weekDate}/schedules/${t.scheduleId}/agentschedules/query`,
    body,
  );
  if (!r.body.result) throw new Error(`query: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result.agentSchedules;
}

/** uploadurl → PUT with the returned headers → update; the /update answer. */
export async function uploadAndUpdate(
  s: RunningGenesysSandbox,
  accessToken: string,
  t: Target,
  payload: unknown,
): Promise<Reply<AsyncQuery>> {
  const gz = gzipSync(JSON.stringify(payload));
  const base = `${WFM}/businessunits/${t.buId}/weeks/${t.weekDate}/schedules/${t.scheduleId}`;
  const signed = await api<Signed>(s, accessToken, 'POST', `${base}/update/uploadurl`, {
    contentLengthBytes: gz.length,
  });
  if (signed.status !== 200) throw new Error(`uploadurl: ${signed.status} ${JSON.stringify(signed.body)}`);
  const put = await fetch(signed.body.url, { method: 'PUT', headers: signed.body.headers, body: gz });
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  return api(s, accessToken, 'POST', `${base}/update`, { uploadKey: signed.body.uploadKey });
}
