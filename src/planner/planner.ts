import type { Intent } from '../rules/intent.js';
import { type Clock, systemClock } from '../time/clock.js';
import { toWire } from '../time/instant.js';
import type { ScheduleSource } from '../wfm/adapter.js';
import type { Agent } from '../wfm/contract.js';
import { CapCounters, type CapCountersSnapshot } from './cap-counters.js';
import type { BusinessUnitCalendar } from './guardrails.js';
import { type KillSwitch, NO_KILL_SWITCH } from './kill-switch.js';
import { Overlay, type ShiftOverride } from './overlay.js';
import { type Resolution, resolveIntent } from './resolve-intent.js';
import { ScheduleCache } from './schedule-cache.js';
import type { ScheduleReadOptions } from './schedule-read.js';
import { ScheduleView, type ViewShift } from './schedule-view.js';

export interface PlannerOptions {
  /** where the schedule is read from (the WFM adapter, or a snapshot) */
  source: ScheduleSource;
  /** the business unit's zone and week start: schedule weeks for the weekly caps */
  businessUnit: BusinessUnitCalendar;
  /** for the schedule cache's TTL and read timeouts only; decisions use event time */
  clock?: Clock;
  cacheTtlMs?: number;
  /** how long a schedule read may take: attempt timeout, budget, pauses (schedule-read.ts) */
  read?: Partial<ScheduleReadOptions>;
  /** a schedule cache shared with other planners of this process (one per planner otherwise) */
  cache?: ScheduleCache;
  killSwitch?: KillSwitch;
}

export const PLANNER_SNAPSHOT_FORMAT = 'trunk-reactor/planner-state@1';

export interface PlannerSnapshot {
  format: typeof PLANNER_SNAPSHOT_FORMAT;
  counters: CapCountersSnapshot;
  overlay: Array<[string, ShiftOverride]>;
}

/** Views kept for reuse: a planning domain's teams, with room to spare. */
const MAX_VIEWS = 32;

/** What a view is made of: each team's shifts and agents as the cache holds them, the overlay's version. */
interface ViewInputs {
  lists: Array<{ shifts: ViewShift[]; agents: Agent[] }>;
  overlayVersion: number;
}

/**
 * Turns intents into adjustments: reads the teams' schedules (cached), lays its own
 * earlier decisions over them, and resolves each intent under the guardrails. Intents
 * are planned one at a time, in the order given (calls are queued), because each one
 * sees the counters and schedule the previous ones left.
 */
export class Planner {
  private readonly cache: ScheduleCache;
  private readonly killSwitch: KillSwitch;
  private counters: CapCounters;
  private overlay: Overlay;
  private queue: Promise<unknown> = Promise.resolve();
  /** recent views by set of teams, oldest first (viewOf) */
  private readonly views = new Map<string, ViewInputs & { view: ScheduleView }>();

  constructor(
    private readonly options: PlannerOptions,
    state?: PlannerSnapshot,
  ) {
    this.cache =
      options.cache ??
      new ScheduleCache(options.source, options.clock ?? systemClock, {
        ...(options.cacheTtlMs !== undefined ? { ttlMs: options.cacheTtlMs } : {}),
        ...(options.read ? { read: options.read } : {}),
      });
    this.killSwitch = options.killSwitch ?? NO_KILL_SWITCH;
    if (state && state.format !== PLANNER_SNAPSHOT_FORMAT) {
      throw new TypeError(
        `cannot restore planner state in format '${state.format}': this build reads ${PLANNER_SNAPSHOT_FORMAT}`,
      );
    }
    this.counters = state ? CapCounters.fromJSON(state.counters) : new CapCounters();
    this.overlay = state ? Overlay.fromJSON(state.overlay) : new Overlay();
  }

  plan(intent: Intent): Promise<Resolution> {
    const run = this.queue.then(() => this.planNow(intent));
    this.queue = run.catch(() => {});
    return run;
  }

  private async planNow(intent: Intent): Promise<Resolution> {
    const ks = await this.killSwitch.state();
    if (ks.engaged) {
      return {
        adjustments: [],
        skipped: [
          {
            ruleId: intent.ruleId,
            eventTime: toWire(intent.eventTime),
            shiftIds: [],
            agentIds: [],
            guardrail: 'killSwitch',
            detail: `kill switch engaged: ${ks.reason ?? 'no reason given'}`,
          },
        ],
      };
    }
    const a = intent.action;
    const teams = a.kind === 'swap' ? [a.team, a.donorTeam] : [a.team];
    // the cache returns the same lists until it refreshes them
    const lists: ViewInputs['lists'] = [];
    for (const team of teams) {
      lists.push({
        shifts: await this.cache.teamShifts(team, intent.eventTime),
        agents: await this.cache.teamAgents(team),
      });
    }
    this.overlay.prune(intent.eventTime);
    this.counters.prune(intent.eventTime);
    const view = this.viewOf(teams, { lists, overlayVersion: this.overlay.version });
    return resolveIntent(intent, view, this.counters, this.overlay, this.options.businessUnit);
  }

  /**
   * The teams' shifts with the planner's own changes laid over them. Intents for the same
   * teams with no change planned in between (most of a surge: the caps refuse the rest)
   * share one view instead of projecting and indexing every shift of the teams again; a
   * view is reused only while the cache returns the very same schedule and agent lists and
   * the overlay's version is unchanged.
   */
  private viewOf(teams: readonly string[], inputs: ViewInputs): ScheduleView {
    // one per set of teams (intents of several teams interleave), the most recent kept
    const key = teams.join('\u0000');
    const kept = this.views.get(key);
    if (
      kept &&
      kept.overlayVersion === inputs.overlayVersion &&
      kept.lists.every((l, i) => l.shifts === inputs.lists[i]?.shifts && l.agents === inputs.lists[i]?.agents)
    ) {
      return kept.view;
    }
    const shifts = new Map<string, ViewShift>();
    const agents: Agent[] = [];
    for (const l of inputs.lists) {
      for (const s of l.shifts) shifts.set(s.id, s);
      agents.push(...l.agents);
    }
    const projected = [...shifts.values()].map((s) => this.overlay.apply(s));
    const view = new ScheduleView(projected, agents, this.options.businessUnit.zone);
    this.views.delete(key);
    this.views.set(key, { ...inputs, view });
    if (this.views.size > MAX_VIEWS) this.views.delete(this.views.keys().next().value as string);
    return view;
  }

  /** Read these teams' schedules around `eventTime` ahead of the intents that will need them. */
  prefetch(teamIds: Iterable<string>, eventTime: number): void {
    this.cache.prefetch(teamIds, eventTime);
  }

  /** Forget cached schedules (of one team, or all): the next intent reads fresh ones. */
  invalidate(teamId?: string): void {
    this.cache.invalidate(teamId);
  }

  get cacheStats(): Readonly<{ reads: number; hits: number }> {
    return this.cache.stats;
  }

  /** Cap counters and planned changes as a plain value; wait for queued plans first. */
  async snapshot(): Promise<PlannerSnapshot> {
    await this.queue;
    return {
      format: PLANNER_SNAPSHOT_FORMAT,
      counters: this.counters.toJSON(),
      overlay: this.overlay.toJSON(),
    };
  }
}
