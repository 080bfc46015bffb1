import { randomUUID } from 'node:crypto';
import { iso, scheduleUri, WFM } from './wire.js';

export const RUN_STATES = ['None', 'Queued', 'Scheduling', 'Canceled', 'Failed', 'Complete'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** The transitions a run may take; Canceled, Failed and Complete are final. */
const NEXT: Record<RunState, readonly RunState[]> = {
  None: ['Queued'],
  Queued: ['Scheduling', 'Canceled', 'Failed'],
  Scheduling: ['Complete', 'Canceled', 'Failed'],
  Canceled: [],
  Failed: [],
  Complete: [],
};

/** An intraday reschedule run over one schedule and some of its management units. */
export interface GRun {
  id: string;
  scheduleId: string;
  weekDate: string;
  weekCount: number;
  state: RunState;
  managementUnitIds: string[];
  startDate: number;
  endDate: number;
  doNotChangeManuallyEditedShifts: boolean;
  startedAt: number;
  startedBy: string;
  completedAt?: number;
  applied: boolean;
}

export class RunTransitionError extends Error {
  readonly code = 'TR_ERR_SANDBOX_RUN_TRANSITION';
  constructor(run: GRun, to: RunState) {
    super(
      `scheduling run ${run.id} is ${run.state}; it can go to ${NEXT[run.state].join(' or ') || 'no other state'}, not ${to}`,
    );
    this.name = 'RunTransitionError';
  }
}

/** Reschedule runs as state the admin API drives; while Queued or Scheduling a run is in progress. */
export class SchedulingRuns {
  runs: GRun[] = [];

  create(run: Omit<GRun, 'id' | 'state' | 'applied'> & { state?: 'Queued' | 'Scheduling' }): GRun {
    const r: GRun = { ...run, id: randomUUID(), state: 'Queued', applied: false };
    if (run.state === 'Scheduling') r.state = 'Scheduling';
    this.runs.push(r);
    return r;
  }

  get(id: string): GRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  transition(run: GRun, to: RunState, at: number): void {
    if (!NEXT[run.state].includes(to)) throw new RunTransitionError(run, to);
    run.state = to;
    if (to === 'Complete' || to === 'Failed' || to === 'Canceled') run.completedAt = at;
  }

  /** The runs in progress over a schedule that touch any of these management units. */
  inProgress(scheduleId: string, managementUnitIds: Iterable<string>): GRun[] {
    const mus = new Set(managementUnitIds);
    return this.runs.filter(
      (r) =>
        r.scheduleId === scheduleId &&
        (r.state === 'Queued' || r.state === 'Scheduling') &&
        r.managementUnitIds.some((m) => mus.has(m)),
    );
  }
}

const PERCENT: Record<RunState, number> = {
  None: 0,
  Queued: 0,
  Scheduling: 50,
  Canceled: 0,
  Failed: 0,
  Complete: 100,
};

/** BuScheduleRun as GET …/scheduling/runs answers it. */
export function runToWire(r: GRun, buId: string): Record<string, unknown> {
  return {
    id: r.id,
    schedulerRunId: r.id,
    intradayRescheduling: true,
    state: r.state,
    weekCount: r.weekCount,
    percentComplete: PERCENT[r.state],
    targetWeek: r.weekDate,
    ...(r.state === 'Complete'
      ? {
          schedule: {
            id: r.scheduleId,
            weekDate: r.weekDate,
            selfUri: scheduleUri(buId, { id: r.scheduleId, weekDate: r.weekDate }),
          },
        }
      : {}),
    schedulingStartTime: iso(r.startedAt),
    schedulingStartedBy: { id: r.startedBy },
    ...(r.completedAt !== undefined ? { schedulingCompletedTime: iso(r.completedAt) } : {}),
    messageCount: 0,
    messageSeverityCounts: [],
    reschedulingOptions: {
      existingSchedule: { id: r.scheduleId, weekDate: r.weekDate },
      startDate: iso(r.startDate),
      endDate: iso(r.endDate),
      managementUnits: r.managementUnitIds.map((id) => ({ managementUnit: { id }, applied: r.applied })),
      activityCodeIds: [],
      doNotChangeWeeklyPaidTime: false,
      doNotChangeDailyPaidTime: false,
      doNotChangeShiftStartTimes: false,
      doNotChangeManuallyEditedShifts: r.doNotChangeManuallyEditedShifts,
    },
    selfUri: `${WFM}/businessunits/${buId}/scheduling/runs/${r.id}`,
  };
}

/** The scheduling-runs topic's payload for a run's state. */
export function runNotification(r: GRun): Record<string, unknown> {
  const status =
    r.state === 'Complete'
      ? 'Complete'
      : r.state === 'Failed'
        ? 'Error'
        : r.state === 'Canceled'
          ? 'Canceled'
          : 'Processing';
  return {
    status,
    operationId: r.id,
    result: {
      id: r.id,
      percentComplete: PERCENT[r.state],
      intradayRescheduling: true,
      state: r.state,
      weekCount: r.weekCount,
      schedule: { id: r.scheduleId, weekDate: r.weekDate },
      ...(r.completedAt !== undefined ? { schedulingCompletedTime: iso(r.completedAt) } : {}),
      messageCount: 0,
      messageSeverityCounts: [],
    },
  };
}
