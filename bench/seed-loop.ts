/**
 * The seed's loop, reimplemented for a side-by-side benchmark (../shared/seed, "Here is a
 * simplified logic flow"): fetch the shifts once, then for each adjustment PATCH with the
 * listed version; on 409 re-GET the version, patch it into the same payload and retry,
 * 3 attempts, no backoff, no idempotency key; anything else raises "Unexpected status",
 * which is logged and retried until the last attempt re-raises. A swap is two PATCHes.
 * One adjustment at a time, in arrival order, as the Python script runs.
 *
 * Faithful in its flaws on purpose: after the third 409 the loop just ends and returns
 * nothing (the adjustment is silently lost); the payload keeps its stale fields; 429 and
 * 5xx are retried at once; a write that landed behind a 500 is written again.
 */
import { Agent } from 'undici';
import type { Adjustment } from '../src/planner/adjustment.js';
import type { Shift, ShiftPatch } from '../src/wfm/contract.js';
import { planMutation } from '../src/writer/mutation.js';

export interface SeedRecord {
  key: string;
  /** the loop finished without raising (what the seed believes: "done") */
  returned: boolean;
  error?: string;
  calls: number;
  rateLimited: number;
  /** the first PATCH met 409 */
  firstAttemptConflict: boolean;
  startedAt: number;
  finishedAt: number;
}

export interface SeedLoopOptions {
  baseUrl: string;
  token: string;
  /** the shifts as the seed listed them at start */
  listed: Map<string, Shift>;
  now: () => number;
  onRequest?: (status: number | undefined) => void;
}

class UnexpectedStatus extends Error {}

export class SeedLoop {
  readonly #agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  readonly #origin: string;
  readonly #base: string;
  readonly #queue: Array<{ adjustment: Adjustment; done: (r: SeedRecord) => void }> = [];
  #running = false;

  constructor(private readonly options: SeedLoopOptions) {
    const url = new URL(options.baseUrl);
    this.#origin = url.origin;
    this.#base = url.pathname.replace(/\/$/, '');
  }

  /** Queues an adjustment; resolves when the loop got to it and finished with it. */
  submit(adjustment: Adjustment): Promise<SeedRecord> {
    return new Promise((done) => {
      this.#queue.push({ adjustment, done });
      void this.#drain();
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    while (this.#queue.length > 0) {
      const { adjustment, done } = this.#queue.shift()!;
      done(await this.#apply(adjustment));
    }
    this.#running = false;
  }

  async #apply(adj: Adjustment): Promise<SeedRecord> {
    const record: SeedRecord = {
      key: adj.key,
      returned: false,
      calls: 0,
      rateLimited: 0,
      firstAttemptConflict: false,
      startedAt: this.options.now(),
      finishedAt: 0,
    };
    try {
      if (adj.kind === 'update') {
        const listed = this.options.listed.get(adj.shiftId);
        if (!listed) throw new Error(`shift ${adj.shiftId} not in the listing`);
        const plan = planMutation(listed, adj.mutation);
        if (plan.kind !== 'write') throw new Error(`nothing to write: ${plan.kind}`);
        await this.#updateShiftWithRetry(adj.shiftId, { version: listed.version, ...plan.fields }, record);
      } else {
        const a = this.options.listed.get(adj.a.shiftId)!;
        const b = this.options.listed.get(adj.b.shiftId)!;
        await this.#updateShiftWithRetry(a.id, { version: a.version, agentId: adj.b.agentId }, record);
        await this.#updateShiftWithRetry(b.id, { version: b.version, agentId: adj.a.agentId }, record);
      }
      record.returned = true;
    } catch (err) {
      record.error = (err as Error).message;
    }
    record.finishedAt = this.options.now();
    return record;
  }

  /** update_shift_with_retry(shift_id, payload, max_retries=3), line for line. */
  async #updateShiftWithRetry(
    shiftId: string,
    payload: ShiftPatch,
    record: SeedRecord,
    maxRetries = 3,
  ): Promise<unknown> {
    const path = `${this.#base}/schedules/shifts/${encodeURIComponent(shiftId)}`;
    for (let attempt = 0; attempt < maxRetries; attempt++) {
      try {
        const response = await this.#request('PATCH', path, record, payload);
        if (response.status === 200) return response.body;
        if (response.status === 409) {
          if (attempt === 0 && record.calls === 1) record.firstAttemptConflict = true;
          const latest = (await this.#request('GET', path, record)).body as { version?: unknown };
          if (typeof latest?.version !== 'number') throw new Error("KeyError: 'version'");
          payload.version = latest.version;
          continue;
        }
        throw new UnexpectedStatus(`Unexpected status: ${response.status}`);
      } catch (err) {
        // log.error(f"Retry {attempt} failed: {e}")
        if (attempt === maxRetries - 1) throw err;
      }
    }
    return undefined; // three 409s in a row: the loop ends and the caller thinks it worked
  }

  async #request(
    method: 'GET' | 'PATCH',
    path: string,
    record: SeedRecord,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    record.calls++;
    let status: number | undefined;
    try {
      const res = await this.#agent.request({
        origin: this.#origin,
        path,
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      status = res.statusCode;
      if (status === 429) record.rateLimited++;
      const text = await res.body.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status, body: parsed };
    } finally {
      this.options.onRequest?.(status);
    }
  }
}
