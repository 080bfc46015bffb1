import type { OperationRecord } from '../../src/sandbox/genesys-cloud/genesys-wfm.js';
import { kill9 } from '../../test/pipeline/support/child.js';
import type { GenesysAdmin } from './genesys-admin.js';
import { type GenesysScenarioOptions, sleep } from './genesys-scenario.js';

/**
 * The Genesys Cloud runs of bench:faults: the faults that matter for exactly-once when writes
 * are asynchronous upload jobs without idempotency keys — an instance killed while its upload's
 * job runs, the /update answer lost after the job started, the job's notification lost or its
 * socket dropped while the job runs, 5xx. Each is a scenario of `trunk-reactor run` processes
 * against the Genesys sandbox (support/genesys-scenario.ts); its faults cover the first 24 s,
 * where the run's uploads fall, as the contract runs' do.
 */
export interface GenesysFaultRun {
  name: string;
  how: string;
  options: Pick<GenesysScenarioOptions, 'drive' | 'sandbox'>;
  /** what happened that a reader should know, once the run is over */
  note?(): string;
  /** what the fault itself did, for "what the WFM saw" (sockets dropped, kills with a job running) */
  did?(): { socketsDropped: number; killsInFlight: number };
}

const FAULT_MS = 24_000;
/** a job this long keeps an upload in flight long enough for a kill or a dropped socket to land inside it */
const SLOW_JOB_MS = 1_500;

async function forMs(on: () => Promise<unknown>, off: () => Promise<unknown>, ms: number) {
  await on();
  await sleep(ms);
  await off();
}

/** The next update job the sandbox has not been seen running before (polled every 50 ms), or undefined at the deadline. */
async function nextUpdate(
  admin: GenesysAdmin,
  seen: Set<string>,
  deadline: number,
): Promise<OperationRecord | undefined> {
  while (Date.now() < deadline) {
    const op = (await admin.operations()).find((o) => o.kind === 'update' && !seen.has(o.operationId));
    if (op) {
      seen.add(op.operationId);
      return op;
    }
    await sleep(50);
  }
  return undefined;
}

export function genesys5xx(): GenesysFaultRun {
  return {
    name: 'Genesys 5xx bursts',
    how: 'from the start, six bursts of 3 s, 1 s apart: 40% of API requests (reads, uploadurl, /update) answered 500/503 before any work',
    options: {
      drive: async (ctx) => {
        ctx.start('g0');
        for (let b = 0; b < 6; b++) {
          await forMs(
            () => ctx.admin.faults({ errorRate: 0.4 }),
            () => ctx.admin.faults({ errorRate: 0 }),
            3_000,
          );
          await sleep(1_000);
        }
      },
    },
  };
}

export function genesysUpdateAnswerLost(): GenesysFaultRun {
  return {
    name: 'Genesys /update answer lost',
    how: 'for the first 24 s, 60% of `/update` requests start their job and are answered 500 (`errorAfterWriteRate`): the client cannot know the upload runs',
    options: {
      drive: async (ctx) => {
        ctx.start('g0');
        await forMs(
          () => ctx.admin.faults({ errorAfterWriteRate: 0.6 }),
          () => ctx.admin.faults({ errorAfterWriteRate: 0 }),
          FAULT_MS,
        );
      },
    },
  };
}

export function genesysNotificationLoss(): GenesysFaultRun {
  return {
    name: 'Genesys notifications lost',
    how: "for the first 24 s, 60% of jobs' result notifications are never sent (`notificationLossRate`): the job applied, the client hears nothing",
    options: {
      drive: async (ctx) => {
        ctx.start('g0');
        await forMs(
          () => ctx.admin.faults({ notificationLossRate: 0.6 }),
          () => ctx.admin.faults({ notificationLossRate: 0 }),
          FAULT_MS,
        );
      },
    },
  };
}

/**
 * Each upload's notification socket dropped (no close frame) as soon as its job is seen running
 * and again just before the job ends: what is published while the channel has no socket is lost.
 */
export function genesysSocketDropped(): GenesysFaultRun {
  let dropped = 0;
  return {
    name: 'Genesys notification socket dropped mid-job',
    how: `jobs take ${SLOW_JOB_MS / 1000} s; for the first 24 s every update job seen running has the channel's socket dropped without a close frame (\`POST /_sandbox/notifications/drop\`), once at once and once just before the job ends`,
    options: {
      sandbox: { behaviour: { jobMs: SLOW_JOB_MS } },
      drive: async (ctx) => {
        ctx.start('g0');
        const seen = new Set<string>();
        const end = Date.now() + FAULT_MS;
        while (Date.now() < end) {
          const op = await nextUpdate(ctx.admin, seen, end);
          if (!op) break;
          dropped += await ctx.admin.dropSockets();
          await sleep(SLOW_JOB_MS - 200);
          dropped += await ctx.admin.dropSockets();
        }
      },
    },
    did: () => ({ socketsDropped: dropped, killsInFlight: 0 }),
  };
}

/**
 * kill -9 of the only instance while one of its uploads is in flight: the k-th update job of
 * the run (k = 1 or 2, seeded; a run makes 2–4 uploads) seen running, then 0–1.8 s (seeded) into its 1.5-s job or just
 * after it (its result heard or not, the outcome not yet committed); a new instance started.
 */
export function genesysKill9(run: number): GenesysFaultRun {
  let when = '';
  let inFlight = 0;
  return {
    name: `Genesys kill -9 #${run}`,
    how: `jobs take ${SLOW_JOB_MS / 1000} s; SIGKILL of the only \`trunk-reactor run\` 0–1.8 s after its 1st or 2nd upload's job is seen running (seeded), a new instance started at once`,
    options: {
      sandbox: { behaviour: { jobMs: SLOW_JOB_MS } },
      drive: async (ctx) => {
        const first = ctx.start('k0');
        const nth = 1 + Math.floor(ctx.random() * 2);
        const afterMs = ctx.random() * (SLOW_JOB_MS + 300);
        const started = Date.now();
        const seen = new Set<string>();
        let op: OperationRecord | undefined;
        for (let i = 0; i < nth; i++) {
          const next = await nextUpdate(ctx.admin, seen, started + FAULT_MS);
          if (!next) break;
          op = next;
        }
        if (op) await sleep(afterMs);
        const status =
          op && (await ctx.admin.operations()).find((o) => o.operationId === op.operationId)?.status;
        await kill9(first);
        const at = ((Date.now() - started) / 1000).toFixed(1);
        if (status === 'Processing') inFlight++;
        when = op
          ? `${at} s in, upload ${nth}'s job ${status === 'Processing' ? 'running' : 'done'}`
          : `${at} s in, no upload ${nth} seen`;
        ctx.start('k1');
      },
    },
    note: () => when,
    did: () => ({ socketsDropped: 0, killsInFlight: inFlight }),
  };
}
