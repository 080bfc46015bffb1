import { setTimeout as delay } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { Clock } from '../../time/clock.js';
import { parseInstant, toWire } from '../../time/instant.js';
import { openWindowAt } from '../../time/publish-window.js';
import type { Shift, SwapResult } from '../contract.js';
import { WfmError, WfmNotFoundError, WfmServerError, WfmValidationError } from '../errors.js';
import { shiftsOf } from './agent-copies.js';
import {
  bareConflict,
  type Change,
  fail,
  failedSwap,
  lockedError,
  newChange,
  versionConflict,
} from './change.js';
import type { GenesysCloudWfmOptions, GenesysWriteStats, UploadOptions } from './options.js';
import type { Org } from './org.js';
import type { GenesysReads } from './reads.js';
import type { ScheduleRef } from './schedules.js';
import { entriesOf, inPlace } from './upload-body.js';
import { type JobOutcome, runUpdateJob } from './upload-job.js';
import { UploadQueue } from './upload-queue.js';

/** Reading the agents back after a job: how many times, and the first pause (doubling). */
const READ_BACK_ATTEMPTS = 4;
const READ_BACK_PAUSE_MS = 250;

/**
 * The write side: changes gathered into uploads (upload-queue.ts), each upload built from the
 * agents' copies (upload-body.ts), sent as one update job (upload-job.ts), and one outcome per
 * change settled from the job's result and the agents read back.
 */
export class Uploads {
  readonly #queue: UploadQueue;

  constructor(
    private readonly reads: GenesysReads,
    private readonly o: GenesysCloudWfmOptions,
    private readonly u: UploadOptions,
    private readonly clock: Clock,
    private readonly stats: GenesysWriteStats,
  ) {
    this.#queue = new UploadQueue(
      u,
      (schedule, batch) => this.#upload(schedule, batch),
      (err) => o.logger?.error({ err }, 'unexpected error in a Genesys Cloud upload'),
    );
  }

  submit(schedule: ScheduleRef, c: Pick<Change, 'users' | 'update' | 'swap'>): Promise<Shift | SwapResult> {
    const { change, outcome } = newChange(c);
    this.#queue.add(schedule, change);
    return outcome;
  }

  close(): void {
    this.#queue.close();
  }

  async #upload(schedule: ScheduleRef, batch: Change[]): Promise<void> {
    const org = await this.reads.org();
    const copies = this.reads.copies;
    // Agents whose copy is missing are read first (one query per unit).
    const missing = [...new Set(batch.flatMap((c) => c.users))].filter((u) => !copies.has(schedule.id, u));
    if (missing.length > 0) {
      try {
        await this.reads.read(schedule, missing);
      } catch (err) {
        for (const c of batch) c.reject(err);
        return;
      }
    }
    const ready: Change[] = [];
    const agents = new Map<string, unknown>();
    for (const c of batch) {
      const absent = c.users.find((u) => !copies.has(schedule.id, u));
      if (absent !== undefined) {
        fail(
          c,
          new WfmNotFoundError(
            `agent '${absent}' has no schedule in schedule ${schedule.id} (week of ${schedule.weekDate}); the shift cannot be written there`,
            { status: 404 },
          ),
        );
        continue;
      }
      // A run announced in progress: known without a call.
      if (this.reads.runs.over(schedule.id, c.users, org)) {
        this.#locked(
          c,
          org,
          schedule,
          'a reschedule run is in progress over its management unit',
          this.clock.now() + this.u.runLockRetryMs,
        );
        continue;
      }
      const built = entriesOf(c, schedule, copies, org);
      if (built instanceof Error) {
        fail(c, built);
        continue;
      }
      for (const [u, entry] of built) {
        agents.set(u, entry);
        c.uploaded.set(u, entry.shifts);
      }
      c.sent = new Map(c.users.map((u) => [u, copies.get(schedule.id, u)!.version]));
      ready.push(c);
    }
    if (ready.length === 0) return;
    const body = gzipSync(
      JSON.stringify({ metadata: { version: schedule.version }, agentSchedules: [...agents.values()] }),
    );
    if (body.length > this.u.maxBytes) {
      if (ready.length === 1) {
        fail(
          ready[0]!,
          new WfmValidationError(
            `one change's upload is ${body.length} gzip bytes, over Genesys' request limit of ${this.u.maxBytes}: its agents have too many shifts in schedule ${schedule.id}`,
          ),
        );
        return;
      }
      // Too big: the second half waits for the next upload.
      const half = Math.ceil(ready.length / 2);
      for (const c of ready.slice(half).reverse()) this.#queue.add(schedule, c, true);
      return this.#upload(schedule, ready.slice(0, half));
    }
    this.stats.uploads++;
    this.stats.agentsPerUpload.push(agents.size);
    const feed = await this.reads.feed();
    const sent = { version: schedule.version, at: this.clock.now() };
    const outcome = await runUpdateJob(
      this.reads.http,
      feed,
      this.o.businessUnitId,
      schedule,
      body,
      this.u,
      this.stats,
    );
    if (outcome.kind === 'failed') return this.#failed(schedule, ready, outcome.err);
    await this.#settle(schedule, ready, outcome, org, sent);
  }

  /**
   * The upload was refused before any job could start (uploadurl or the PUT): nothing was
   * written. A transient refusal sends the same changes again after a pause, as one upload, so
   * that one failed request does not cost every change it carried a retry of its own.
   */
  async #failed(schedule: ScheduleRef, batch: Change[], err: unknown): Promise<void> {
    const round = Math.max(...batch.map((c) => c.rounds));
    if (!(err instanceof WfmError) || !err.retriable || round >= this.u.maxRounds) {
      for (const c of batch) c.reject(err);
      return;
    }
    await delay((err.retryAfterMs ?? READ_BACK_PAUSE_MS) * 2 ** round);
    for (const c of [...batch].reverse()) {
      c.rounds++;
      this.#queue.add(schedule, c, true);
    }
  }

  /** One outcome per change, from the job's result and the agents read back. */
  async #settle(
    schedule: ScheduleRef,
    batch: Change[],
    outcome: Exclude<JobOutcome, { kind: 'failed' }>,
    org: Org,
    sent: { version: number; at: number },
  ): Promise<void> {
    const copies = this.reads.copies;
    const result =
      outcome.kind === 'complete'
        ? (outcome.result as {
            metadata?: { version?: unknown };
            managementUnits?: Array<{ agents?: Array<{ id?: unknown }> }>;
          })
        : undefined;
    if (typeof result?.metadata?.version === 'number')
      this.reads.noteVersion(schedule.id, result.metadata.version);
    let users = [...new Set(batch.flatMap((c) => c.users))];
    if (result) {
      // Complete: the agents it names as changed hold what was uploaded, at their version + 1
      // (the emulation's reading; unverified — a wrong guess fails the next upload, which then
      // re-reads). Only agents it does not name, and those of swaps (whose new shifts have ids
      // only Genesys knows), are read back.
      const changed = new Set(
        (result.managementUnits ?? []).flatMap((m) => (m.agents ?? []).map((a) => a.id)),
      );
      const swapped = new Set(batch.flatMap((c) => (c.swap ? c.users : [])));
      const known = batch.flatMap((c) => (c.update && changed.has(c.update.userId) ? [c] : []));
      for (const c of known) {
        const u = c.update!.userId;
        const before = copies.get(schedule.id, u);
        if (!before || swapped.has(u)) continue;
        copies.keep(
          {
            ...before,
            version: (c.sent.get(u) ?? before.version) + 1,
            shifts: (c.uploaded.get(u) ?? []).map((x) => ({
              id: x.id!,
              startDate: x.startDate!,
              lengthMinutes: x.lengthMinutes!,
              activities: (x.activities ?? []).map((a) => ({ ...a })),
              manuallyEdited: x.manuallyEdited ?? false,
            })),
            updatedAt: new Date(this.clock.now()).toISOString(),
            updatedBy: this.o.clientId,
          },
          org,
        );
      }
      const settled = new Set(known.map((c) => c.update!.userId).filter((u) => !swapped.has(u)));
      users = users.filter((u) => !settled.has(u));
    }
    // Which versions moved: the schedule's (listed again) and the agents'. A job's outcome is
    // only known through this read, so a failed read is tried again before the changes give up.
    for (let attempt = 1; users.length > 0 || outcome.kind !== 'complete'; attempt++) {
      try {
        if (outcome.kind !== 'complete') await this.reads.relist(schedule.weekDate);
        const present = new Set((await this.reads.read(schedule, users)).map((c) => c.userId));
        // An agent no longer in the schedule: its copy goes, and its changes cannot be written there.
        for (const u of users) if (!present.has(u)) copies.delete(schedule.id, u);
        break;
      } catch (err) {
        if (attempt >= READ_BACK_ATTEMPTS || !(err instanceof WfmError) || !err.retriable) {
          for (const c of batch) c.reject(err);
          return;
        }
        await delay(READ_BACK_PAUSE_MS * 2 ** (attempt - 1));
      }
    }
    const scheduleMoved = schedule.version !== sent.version;
    const nothingMoved: Change[] = [];
    for (const c of batch) {
      const gone = c.users.find((u) => !copies.has(schedule.id, u));
      if (gone !== undefined) {
        fail(
          c,
          new WfmNotFoundError(`agent '${gone}' is no longer in schedule ${schedule.id}; re-plan`, {
            status: 404,
          }),
        );
        continue;
      }
      const moved = c.users.filter((u) => copies.get(schedule.id, u)?.version !== c.sent.get(u));
      const all = moved.length === c.users.length;
      if (
        all &&
        (outcome.kind === 'complete' || (outcome.kind === 'unknown' && inPlace(c, schedule, copies)))
      ) {
        // Applied; with no answer, known so because every agent holds exactly what was uploaded.
        this.#applied(c, schedule, org);
      } else if (moved.length > 0) {
        this.#conflict(c, schedule, org, outcome.kind === 'unknown');
      } else if (outcome.kind === 'unknown') {
        c.reject(
          new WfmServerError(
            `no result for the upload carrying this change within ${this.u.resultTimeoutMs} ms, and the agents read back unchanged; sent again`,
          ),
        );
      } else nothingMoved.push(c);
    }
    if (nothingMoved.length > 0)
      await this.#unexplained(schedule, batch, nothingMoved, scheduleMoved, org, sent.at);
  }

  /** `Error` and none of the change's agents moved: a lock, a lost race on the schedule version, or a refusal. */
  async #unexplained(
    schedule: ScheduleRef,
    batch: Change[],
    nothingMoved: Change[],
    scheduleMoved: boolean,
    org: Org,
    sentAt: number,
  ): Promise<void> {
    await this.reads.runs.read().catch(() => undefined);
    const now = this.clock.now();
    // Open when the job ran (it may have closed since) or now.
    const window = this.o.publishWindow
      ? (openWindowAt(sentAt, this.o.publishWindow) ?? openWindowAt(now, this.o.publishWindow))
      : null;
    for (const c of nothingMoved) {
      if (this.reads.runs.over(schedule.id, c.users, org)) {
        this.#locked(
          c,
          org,
          schedule,
          'a reschedule run is in progress over its management unit',
          now + this.u.runLockRetryMs,
        );
      } else if (window) {
        this.#locked(
          c,
          org,
          schedule,
          `the publish window is open until ${toWire(window.closesAt)}`,
          window.closesAt,
        );
      } else if (c.rounds++ >= this.u.maxRounds) {
        fail(c, bareConflict(c, schedule, `${c.rounds} uploads`));
      } else if (scheduleMoved) {
        // Another change landed first (the schedule's version moved): the same change goes again.
        this.stats.changesRequeued++;
        this.#queue.add(schedule, c, true);
      } else if (batch.length > 1) {
        // Something in the upload was refused and Genesys does not say what: each change alone.
        this.stats.changesBisected++;
        c.alone = true;
        this.#queue.add(schedule, c, true);
      } else fail(c, bareConflict(c, schedule, 'an upload of this change alone'));
    }
  }

  #applied(c: Change, schedule: ScheduleRef, org: Org): void {
    const copies = this.reads.copies;
    if (c.update) {
      const shift = copies.shift(schedule.id, c.update.userId, c.update.shiftId, org);
      if (shift) c.resolve(shift);
      else
        c.reject(
          new WfmNotFoundError(`shift '${c.update.shiftId}' is gone after the upload`, { status: 404 }),
        );
      return;
    }
    const s = c.swap!;
    const [oldA, oldB] = [s.item.a.shiftId, s.item.b.shiftId];
    // The shift that was b's now belongs to A under a new id, and a's to B: found by time.
    const find = (owner: string, was: Shift | undefined) =>
      was &&
      shiftsOf(copies.get(schedule.id, owner)!, org).find((x) => x.start === was.start && x.end === was.end);
    const nowOfA = find(s.b, c.before.get(oldA));
    const nowOfB = find(s.a, c.before.get(oldB));
    if (!nowOfA || !nowOfB) {
      c.resolve(
        failedSwap(
          s.item.swapId,
          'SCHEDULE_CONFLICT',
          "the swap's upload completed but its shifts are not found where they should be",
        ),
      );
      return;
    }
    copies.moved(oldA, nowOfA.id);
    copies.moved(oldB, nowOfB.id);
    c.resolve({ swapId: s.item.swapId, status: 'applied', shifts: [nowOfA, nowOfB] });
  }

  #conflict(c: Change, schedule: ScheduleRef, org: Org, mayHaveLanded: boolean): void {
    const copies = this.reads.copies;
    const said = mayHaveLanded ? 'nothing' : 'Error';
    if (c.update) {
      const shift = copies.shift(schedule.id, c.update.userId, c.update.shiftId, org);
      if (!shift) {
        c.reject(
          new WfmNotFoundError(
            `shift '${c.update.shiftId}' is gone from agent '${c.update.userId}'s schedule`,
            { status: 404 },
          ),
        );
        return;
      }
      c.reject(
        versionConflict(
          `agent '${c.update.userId}' moved to version ${shift.version} in schedule ${schedule.id} (the upload answered ${said}); re-apply the change to the fresh shift`,
          shift,
          mayHaveLanded,
        ),
      );
      return;
    }
    const s = c.swap!;
    const side =
      copies.shift(schedule.id, s.a, s.item.a.shiftId, org) ??
      copies.shift(schedule.id, s.b, s.item.b.shiftId, org);
    fail(
      c,
      versionConflict(
        `an agent of the swap moved to a new version in schedule ${schedule.id} (the upload answered ${said})`,
        side,
        mayHaveLanded,
      ),
    );
  }

  /** Deferred: named by the week of the change's shift, as the writer keeps its locks by week. */
  #locked(c: Change, org: Org, schedule: ScheduleRef, why: string, until: number): void {
    const userId = c.update?.userId ?? c.swap!.a;
    const shiftId = c.update?.shiftId ?? c.swap!.item.a.shiftId;
    const shift = this.reads.copies.get(schedule.id, userId)?.shifts.find((x) => x.id === shiftId);
    const now = this.clock.now();
    const week = org.weekOf(shift ? parseInstant(shift.startDate) : now);
    fail(c, lockedError(schedule, week, why, until, now));
  }
}
