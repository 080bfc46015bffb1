import { type Clock, systemClock } from '../../time/clock.js';
import type { ReadOptions, ShiftQuery, WfmAdapter, WriteOptions, WriteTraits } from '../adapter.js';
import type { Agent, Shift, ShiftPatch, SwapItem, SwapResult } from '../contract.js';
import { WfmValidationError } from '../errors.js';
import { failedSwap } from './change.js';
import { GenesysHttp } from './http.js';
import {
  DEFAULT_UPLOAD_OPTIONS,
  type GenesysCloudWfmOptions,
  type GenesysWriteStats,
  type UploadOptions,
} from './options.js';
import type { Org } from './org.js';
import { GenesysReads } from './reads.js';
import { Uploads } from './uploads.js';

export type { GenesysCloudWfmOptions, GenesysWriteStats, UploadOptions } from './options.js';
export { DEFAULT_UPLOAD_OPTIONS } from './options.js';

/**
 * Genesys Cloud WFM behind the project's WFM port (docs/wfm-genesys-cloud.md).
 *
 * Reads (reads.ts) go through the BU's published schedules and the agent schedule query; each
 * shift carries its agent's version in that schedule (`Shift.version`) and the week it falls in.
 * Writes (uploads.ts) are gathered per schedule into one upload of many agents: `uploadurl` →
 * PUT → `/update` → the result announced on the BU's schedules topic, matched by operationId,
 * or settled by re-reading the agents when none comes in time. Every agent an upload touches is
 * sent whole, with its version; the changed shift with its activities and `manuallyEdited: true`.
 *
 * The port's promises hold per change: a write resolves with the shift as written (read back),
 * or rejects with the error the writer handles — a version conflict with the fresh shift, a
 * lock (publish, reschedule run) to defer through, a bare conflict for the writer to diagnose.
 * Genesys has no idempotency keys; the versions are what make a repeat fail instead of
 * applying twice, and a conflict found while settling a lost answer says so (`mayHaveLanded`).
 */
export class GenesysCloudWfm implements WfmAdapter {
  readonly writes: WriteTraits = { unit: 'agent-schedule', batched: true, idempotencyKeys: false };
  readonly http: GenesysHttp;
  readonly stats: GenesysWriteStats = {
    uploads: 0,
    uploadsFailed: 0,
    resultsTimedOut: 0,
    changesRequeued: 0,
    changesBisected: 0,
    agentsPerUpload: [],
  };
  readonly #reads: GenesysReads;
  readonly #uploads: Uploads;

  constructor(o: GenesysCloudWfmOptions) {
    const u: UploadOptions = { ...DEFAULT_UPLOAD_OPTIONS, ...o.uploads };
    const clock: Clock = o.clock ?? systemClock;
    this.http = new GenesysHttp({
      apiBaseUrl: o.apiBaseUrl,
      loginBaseUrl: o.loginBaseUrl,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      clock,
      ...(o.gate ? { gate: o.gate } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.onRequest ? { onRequest: o.onRequest } : {}),
    });
    this.#reads = new GenesysReads(this.http, o, u, clock);
    this.#uploads = new Uploads(this.#reads, o, u, clock, this.stats);
  }

  /** The org as discovered (BU zone and week start, units, codes); read once. */
  org(): Promise<Org> {
    return this.#reads.org();
  }

  observeShifts(listener: (shifts: Shift[]) => void): void {
    this.#reads.copies.observe(listener);
  }

  observeLockEnds(listener: (week: string) => void): void {
    this.#uploads.onLockEnd(listener);
  }

  listAgents(query: { teamId?: string }, options?: ReadOptions): Promise<Agent[]> {
    return this.#reads.listAgents(query, options);
  }

  listShifts(query: ShiftQuery, options?: ReadOptions): Promise<Shift[]> {
    return this.#reads.listShifts(query, options);
  }

  getShift(shiftId: string, signal?: AbortSignal): Promise<Shift> {
    return this.#reads.getShift(shiftId, signal);
  }

  async patchShift(shiftId: string, patch: ShiftPatch, _options: WriteOptions): Promise<Shift> {
    await this.org();
    const copies = this.#reads.copies;
    const id = copies.current(shiftId);
    if (!copies.home(id)) await this.getShift(id);
    const home = copies.home(id)!;
    if (patch.agentId !== undefined && patch.agentId !== home.userId) {
      throw new WfmValidationError(
        `moving shift '${shiftId}' to another agent is a swap on this WFM (a delete and an add in one upload), not an update`,
      );
    }
    const schedule = this.#reads.schedule(home.scheduleId);
    return (await this.#uploads.submit(schedule, {
      users: [home.userId],
      update: { shiftId: id, userId: home.userId, patch },
    })) as Shift;
  }

  async swapShifts(swaps: SwapItem[], _options: WriteOptions): Promise<SwapResult[]> {
    const copies = this.#reads.copies;
    return Promise.all(
      swaps.map(async (item): Promise<SwapResult> => {
        const a = copies.current(item.a.shiftId);
        const b = copies.current(item.b.shiftId);
        for (const id of [a, b]) if (!copies.home(id)) await this.getShift(id).catch(() => undefined);
        const ha = copies.home(a);
        const hb = copies.home(b);
        if (!ha || !hb)
          return failedSwap(
            item.swapId,
            'NOT_FOUND',
            `shift '${ha ? item.b.shiftId : item.a.shiftId}' was not found`,
          );
        if (ha.scheduleId !== hb.scheduleId) {
          return failedSwap(
            item.swapId,
            'VALIDATION_ERROR',
            `shifts '${item.a.shiftId}' and '${item.b.shiftId}' are in different schedules (${ha.scheduleId}, ${hb.scheduleId}); one upload cannot swap them atomically`,
          );
        }
        if (ha.userId === hb.userId)
          return failedSwap(item.swapId, 'VALIDATION_ERROR', 'both shifts belong to the same agent');
        return (await this.#uploads.submit(this.#reads.schedule(ha.scheduleId), {
          users: [ha.userId, hb.userId],
          swap: {
            item: { ...item, a: { ...item.a, shiftId: a }, b: { ...item.b, shiftId: b } },
            a: ha.userId,
            b: hb.userId,
          },
        })) as SwapResult;
      }),
    );
  }

  async close(): Promise<void> {
    this.#uploads.close();
    await this.#reads.close();
    await this.http.close();
  }
}
