import type { GenesysHttp } from './http.js';
import { type Org, WFM_PATH } from './org.js';

interface ActiveRun {
  scheduleId: string | undefined;
  managementUnitIds: string[];
}

/**
 * Intraday reschedule runs in progress (Queued or Scheduling), which take no update over their
 * management units: read at start and after an unexplained `Error`, followed on the runs topic.
 */
export class RescheduleRuns {
  readonly #runs = new Map<string, ActiveRun>();

  constructor(
    private readonly http: GenesysHttp,
    private readonly businessUnitId: string,
  ) {}

  async read(): Promise<void> {
    const body = (await this.http.api({
      method: 'GET',
      path: `${WFM_PATH}/businessunits/${encodeURIComponent(this.businessUnitId)}/scheduling/runs`,
    })) as { entities?: Array<Record<string, unknown>> };
    this.#runs.clear();
    for (const r of body?.entities ?? []) this.note(r);
  }

  /** A run notification's body (its `result` is the run). */
  heard(body: unknown): void {
    const r = (body as { result?: Record<string, unknown> })?.result;
    if (r && typeof r.id === 'string') this.note(r);
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
      this.#runs.set(id, {
        scheduleId: typeof scheduleRef === 'string' ? scheduleRef : undefined,
        managementUnitIds: (options?.managementUnits ?? [])
          .map((m) => m.managementUnit?.id)
          .filter((m): m is string => typeof m === 'string'),
      });
    } else this.#runs.delete(id);
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
}
