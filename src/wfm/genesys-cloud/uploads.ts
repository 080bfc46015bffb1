import { setTimeout as delay } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { Clock } from '../../time/clock.js';
import { parseInstant, toWire } from '../../time/instant.js';
import { openWindowAt } from '../../time/publish-window.js';
import { waitAccount } from '../../time/wait-account.js';
import type { Shift, SwapResult } from '../contract.js';
import { WfmError, WfmNotFoundError, WfmServerError, WfmValidationError } from '../errors.js';
import { bareConflict, type Change, fail, lockedError, newChange, versionConflict } from './change.js';
import { applied, conflicted, failedForGoneAgent } from './change-outcome.js';
import { keepCompleted } from './complete-result.js';
import type { GenesysCloudWfmOptions, GenesysWriteStats, UploadOptions } from './options.js';
import type { Org } from './org.js';
import type { GenesysReads } from './reads.js';
import { RunLocks } from './run-locks.js';
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
  readonly #runLocks: RunLocks;

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
    this.#runLocks = new RunLocks(reads.runs, clock, o.publishWindow);
  }

  /**
   * Queues a change for its schedule's next upload. Its waiting for an upload to leave is
   * queueing of our own making, as a rate limiter's is: credited back to the time budget of the
   * adjustment that made it (an update's; a swap's wait is credited by the writer already).
   */
  submit(schedule: ScheduleRef, c: Pick<Change, 'users' | 'update' | 'swap'>): Promise<Shift | SwapResult> {
    const credit = c.update ? waitAccount.getStore() : undefined;
    const { change, outcome } = newChange(c, this.clock.now(), credit);
    this.#queue.add(schedule, change);
    return outcome;
  }

  /** Listens for weeks whose reschedule-run lock ended before the end given (the run announced its end). */
  onLockEnd(listener: (week: string) => void): void {
    this.#runLocks.onEnd(listener);
  }

  close(): void {
    this.#queue.close();
  }

  async #upload(schedule: ScheduleRef, batch: Change[]): Promise<void> {
    const taken = this.clock.now();
    for (const c of batch) {
      c.credit?.(taken - c.queuedAt);
      c.queuedAt = taken;
    }
    const org = await this.reads.org();
    const copies = this.reads.copies;
    // A run known from long ago may have ended unheard (its Complete lost with the socket).
    if (
      this.reads.runs.age() > this.u.runLockRetryMs &&
      batch.some((c) => this.reads.runs.over(schedule.id, c.users, org))
    )
      await this.reads.runs.read().catch(() => undefined);
    // Agents whose copy is missing or out of date are read first (one query per unit).
    const missing = [...new Set(batch.flatMap((c) => c.users))].filter((u) =>
      this.reads.unread(schedule.id, u),
    );
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
          true,
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
    const version = schedule.version;
    const body = gzipSync(JSON.stringify({ metadata: { version }, agentSchedules: [...agents.values()] }));
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
    const sent = { version, at: this.clock.now() };
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
      c.queuedAt = this.clock.now();
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
    let users = [...new Set(batch.flatMap((c) => c.users))];
    let now = batch;
    if (outcome.kind === 'complete') {
      const { settled, changed } = keepCompleted(outcome.result, batch, schedule, {
        reads: this.reads,
        org,
        now: this.clock.now(),
        clientId: this.o.clientId,
      });
      // A swap whose agents the result names as changed is applied; only its new shift ids are
      // unknown, and they are read with the schedule's next query of those agents' units.
      const later = batch.filter((c) => c.swap && c.users.every((u) => changed.has(u)));
      if (later.length > 0) {
        this.#settleLater(schedule, later, org).catch((err) => {
          // A bug, not a WFM answer: each swap still waiting gets it, so none is left hanging.
          this.o.logger?.error({ err }, 'unexpected error settling Genesys Cloud swaps');
          for (const c of later) c.reject(err);
        });
        now = batch.filter((c) => !later.includes(c));
        const waiting = new Set(later.flatMap((c) => c.users));
        users = users.filter((u) => !waiting.has(u));
      }
      users = users.filter((u) => !settled.has(u));
      if (now.length === 0) return;
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
          for (const c of now) c.reject(err);
          return;
        }
        await delay(READ_BACK_PAUSE_MS * 2 ** (attempt - 1));
      }
    }
    // Genesys applies an upload whole or not at all: when a version moved under it (the
    // schedule's, or any agent's), that explains an Error for every change it carried.
    const moved = new Map(
      now.map((c) => [c, c.users.filter((u) => copies.get(schedule.id, u)?.version !== c.sent.get(u))]),
    );
    const lostRace = schedule.version !== sent.version || [...moved.values()].some((m) => m.length > 0);
    const nothingMoved: Change[] = [];
    const again: Change[] = [];
    for (const c of now) {
      if (failedForGoneAgent(copies, c, schedule)) continue;
      const m = moved.get(c)!;
      if (
        m.length === c.users.length &&
        (outcome.kind === 'complete' || (outcome.kind === 'unknown' && inPlace(c, schedule, copies)))
      ) {
        // Applied; with no answer, known so because every agent holds exactly what was uploaded.
        applied(copies, c, schedule, org);
      } else if (m.length > 0) {
        conflicted(copies, c, schedule, org, outcome.kind === 'unknown');
      } else if (outcome.kind === 'unknown') {
        // Not applied (its agents read back unchanged), or its job has not run yet: either way
        // the same change may go again, as one upload with the others — the versions stop a
        // second application.
        if (c.rounds++ >= this.u.maxRounds) {
          c.reject(
            new WfmServerError(
              `no result for the ${c.rounds} uploads carrying this change within ${this.u.resultTimeoutMs} ms, and the agents read back unchanged`,
            ),
          );
        } else again.push(c);
      } else nothingMoved.push(c);
    }
    for (const c of again.reverse()) this.#again(schedule, c, false);
    if (nothingMoved.length > 0)
      await this.#unexplained(schedule, batch, nothingMoved, lostRace, org, sent.at);
  }

  /** Swaps of a `Complete` upload, settled once their agents have been read again. */
  async #settleLater(schedule: ScheduleRef, later: Change[], org: Org): Promise<void> {
    try {
      await this.reads.readLater(
        schedule,
        later.flatMap((c) => c.users),
      );
    } catch (err) {
      for (const c of later) c.reject(err);
      return;
    }
    const copies = this.reads.copies;
    for (const c of later) {
      if (!failedForGoneAgent(copies, c, schedule)) applied(copies, c, schedule, org);
    }
  }

  /** Queues a change to go again at once, with the others read back; `lost` credits the upload it lost. */
  #again(schedule: ScheduleRef, c: Change, lost: boolean): void {
    const now = this.clock.now();
    if (lost) c.credit?.(now - c.queuedAt);
    c.queuedAt = now;
    c.retry = true;
    this.#queue.add(schedule, c, true);
  }

  /**
   * `Error` and none of the change's agents moved: a lock, a lost race (the schedule's version
   * or another change's agent moved), or a refusal.
   */
  async #unexplained(
    schedule: ScheduleRef,
    batch: Change[],
    nothingMoved: Change[],
    lostRace: boolean,
    org: Org,
    sentAt: number,
  ): Promise<void> {
    if (!lostRace) await this.reads.runs.read().catch(() => undefined);
    const now = this.clock.now();
    // Open when the job ran (it may have closed since) or now.
    const window = this.o.publishWindow
      ? (openWindowAt(sentAt, this.o.publishWindow) ?? openWindowAt(now, this.o.publishWindow))
      : null;
    const again: Change[] = [];
    for (const c of nothingMoved) {
      if (this.reads.runs.over(schedule.id, c.users, org)) {
        this.#locked(
          c,
          org,
          schedule,
          'a reschedule run is in progress over its management unit',
          now + this.u.runLockRetryMs,
          true,
        );
      } else if (window) {
        this.#locked(
          c,
          org,
          schedule,
          `the publish window is open until ${toWire(window.closesAt)}`,
          window.closesAt,
          false,
        );
      } else if (lostRace) {
        // Another change landed first, or another agent of the upload was stale: not this
        // change's failure, so it costs no round and none of its adjustment's time budget.
        this.stats.changesRequeued++;
        if (c.races++ >= this.u.maxRaces) {
          fail(
            c,
            versionConflict(
              `the upload carrying this change lost to other changes of schedule ${schedule.id} ${c.races} times; re-apply the change to the fresh shift`,
              this.#shiftOf(c, schedule, org),
            ),
          );
        } else again.push(c);
      } else if (c.rounds++ >= this.u.maxRounds) {
        fail(c, bareConflict(c, schedule, `${c.rounds} uploads`));
      } else if (batch.length > 1) {
        // Something in the upload was refused and Genesys does not say what: each change alone.
        this.stats.changesBisected++;
        c.alone = true;
        c.queuedAt = now;
        this.#queue.add(schedule, c, true);
      } else fail(c, bareConflict(c, schedule, 'an upload of this change alone'));
    }
    for (const c of again.reverse()) this.#again(schedule, c, true);
  }

  /** The change's shift (an update's, or a swap's first side) in the agent's current copy. */
  #shiftOf(c: Change, schedule: ScheduleRef, org: Org): Shift | undefined {
    const copies = this.reads.copies;
    if (c.update) return copies.shift(schedule.id, c.update.userId, c.update.shiftId, org);
    return copies.shift(schedule.id, c.swap!.a, c.swap!.item.a.shiftId, org);
  }

  /** Deferred: named by the week of the change's shift, as the writer keeps its locks by week. */
  #locked(c: Change, org: Org, schedule: ScheduleRef, why: string, until: number, byRun: boolean): void {
    const userId = c.update?.userId ?? c.swap!.a;
    const shiftId = c.update?.shiftId ?? c.swap!.item.a.shiftId;
    const shift = this.reads.copies.get(schedule.id, userId)?.shifts.find((x) => x.id === shiftId);
    const now = this.clock.now();
    const week = org.weekOf(shift ? parseInstant(shift.startDate) : now);
    if (byRun) this.#runLocks.told(week, schedule.id);
    fail(c, lockedError(schedule, week, why, until, now));
  }
}
