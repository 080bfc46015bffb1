import type { Clock } from '../../time/clock.js';
import type { GenesysHttp } from './http.js';
import { type Org, WFM_PATH } from './org.js';

interface ActiveRun {
  scheduleId: string | undefined;
  /** empty: not known, so taken as every unit */
  managementUnitIds: string[];
}

/**
 * Intraday reschedule runs in progress (Queued or Scheduling), which take no update over their
 * management units: read at start and after an unexplained `Error`, followed on the runs topic.
 *
 * A run's notification names its schedule but not its management units (the route's answer
 * does): units already read are kept when a notification comes, and a run first heard of on
 * the topic is read once to learn them. A run heard to end (Complete, Failed, Canceled) is told
 * to `onEnded`, so that what it held back goes at once rather than at the end it was given.
 */
export class RescheduleRuns {
  readonly #runs = new Map<string, ActiveRun>();
  readonly #ended: Array<(scheduleId: string | undefined) => void> = [];
  #reading: Promise<void> | undefined;
  /** when runs were last read or heard of */
  #newsAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly http: GenesysHttp,
    private readonly businessUnitId: string,
    private readonly clock: Clock,
  ) {}

  /** How long ago runs were last read or heard of: a Complete lost with the socket is never heard. */
  age(): number {
    return this.clock.now() - this.#newsAt;
  }

  async read(): Promise<void> {
    const at = this.clock.now();
    const body = (await this.http.api({
      method: 'GET',
      path: `${WFM_PATH}/businessunits/${encodeURIComponent(this.businessUnitId)}/scheduling/runs`,
    })) as { entities?: Array<Record<string, unknown>> };
    const listed = new Set<string>();
    for (const r of body?.entities ?? []) {
      if (typeof r.id !== 'string') continue;
      listed.add(r.id);
      this.note(r);
    }
    for (const [id, run] of this.#runs) if (!listed.has(id)) this.#end(id, run);
    this.#newsAt = Math.max(this.#newsAt, at);
  }

  /** Calls `listener` with the schedule of each run in progress that ends. */
  onEnded(listener: (scheduleId: string | undefined) => void): void {
    this.#ended.push(listener);
  }

  /** A run notification's body (its `result` is the run). */
  heard(body: unknown): void {
    const r = (body as { result?: Record<string, unknown> })?.result;
    if (!r || typeof r.id !== 'string') return;
    this.#newsAt = this.clock.now();
    const unknown = !this.#runs.has(r.id);
    this.note(r);
    const run = this.#runs.get(r.id);
    if (unknown && run && run.managementUnitIds.length === 0) {
      // One read to learn its units: until then it holds back every unit of its schedule.
      this.#reading ??= this.read()
        .catch(() => undefined)
        .finally(() => {
          this.#reading = undefined;
        });
    }
  }

  note(r: Record<string, unknown>): void {
    const id = String(r.id);
    const state = r.state;
    if (r.intradayRescheduling === true && (state === 'Queued' || state === 'Scheduling')) {
      const options = r.reschedulingOptions as
        | {
            existingSchedule?: { id?: unknown };
            managementUnits?: Array<{ managementUnit?: { id?: unknown } }>;
          }
        | undefined;
      const scheduleRef = (r.schedule as { id?: unknown } | undefined)?.id ?? options?.existingSchedule?.id;
      const units = (options?.managementUnits ?? [])
        .map((m) => m.managementUnit?.id)
        .filter((m): m is string => typeof m === 'string');
      const known = this.#runs.get(id);
      this.#runs.set(id, {
        scheduleId: typeof scheduleRef === 'string' ? scheduleRef : known?.scheduleId,
        managementUnitIds: units.length > 0 ? units : (known?.managementUnitIds ?? []),
      });
    } else {
      const known = this.#runs.get(id);
      if (known) this.#end(id, known);
    }
  }

  /** A run in progress over any of these users' units in this schedule. */
  over(scheduleId: string, users: string[], org: Org): boolean {
    const units = new Set(users.map((u) => org.unitOf(u)));
    for (const run of this.#runs.values()) {
      if (run.scheduleId !== undefined && run.scheduleId !== scheduleId) continue;
      if (run.managementUnitIds.length === 0 || run.managementUnitIds.some((m) => units.has(m))) return true;
    }
    return false;
  }

  /** Any run in progress over this schedule. */
  anyOver(scheduleId: string): boolean {
    for (const run of this.#runs.values())
      if (run.scheduleId === undefined || run.scheduleId === scheduleId) return true;
    return false;
  }

  #end(id: string, run: ActiveRun): void {
    this.#runs.delete(id);
    for (const l of this.#ended) l(run.scheduleId);
  }
}
