import type { Logger } from 'pino';
import { DEFAULTS } from '../config/defaults.js';
import type { TrunkSample } from '../events/trunk-event.js';
import { StateRestoreError } from '../kafka/errors.js';
import type { Probe } from '../observability/pipeline-events.js';
import type { Adjustment } from '../planner/adjustment.js';
import { Planner, type PlannerOptions, type PlannerSnapshot } from '../planner/planner.js';
import { actionTeams, planningDomains } from '../planner/planning-domains.js';
import { ScheduleCache } from '../planner/schedule-cache.js';
import { type CompiledRuleSet, compileRules } from '../rules/compile.js';
import { RuleEngine, type RuleTransition } from '../rules/engine.js';
import type { EngineSnapshot } from '../rules/engine-snapshot.js';
import type { Intent } from '../rules/intent.js';
import type { RulesFile, ScopeBy } from '../rules/schema.js';
import { type Clock, systemClock } from '../time/clock.js';
import { DAY_MS, toWire } from '../time/instant.js';
import type { Evaluated, EvaluatorFactory, Lane, PartitionEvaluator, PartitionPlanner } from './ports.js';

/**
 * The one file that knows the RuleEngine and Planner APIs. Everything the Kafka stages
 * see is `EvaluatorFactory` / `PartitionEvaluator` from ports.ts.
 */
export interface RulesAdapterOptions {
  rules: RulesFile;
  /** planner options shared by every partition (schedule source, business unit, clock, kill switch) */
  planner: PlannerOptions;
  /** where rule transitions and the planner's skips are told (the status page) */
  probe?: Probe;
  /**
   * The wall clock's part in event time (docs/pipeline.md, "Event time"): a sample stamped more
   * than `maxFutureSkewMs` ahead of it is refused, and a member more than `memberStaleAfter`
   * behind stops holding the watermark after `memberIdleMs` without a sample. Default: the
   * planner's clock and the config defaults (`rules.maxFutureSkewMs`, `rules.memberIdleMs`).
   */
  eventTime?: { clock?: Clock; maxFutureSkewMs?: number; memberIdleMs?: number };
  /** where a restored rule state that had to be repaired is reported, once per restore */
  logger?: Pick<Logger, 'warn'>;
}

/** A rules partition's stored state (per lane); the planner's is the planning stage's. */
interface StoredState {
  engine: EngineSnapshot;
}

const NONE: Evaluated = Object.freeze({
  intents: Object.freeze([]) as readonly Intent[],
  refused: null,
});

const LANE_KEY: Record<ScopeBy, (s: TrunkSample) => string> = {
  trunk: (s) => s.trunkId,
  trunkGroup: (s) => s.trunkGroup,
  region: (s) => s.region,
  site: (s) => s.site,
  // one aggregate over everything a selector admits: every event to one owner (a documented hot spot)
  selector: () => '*',
};

function scopeKinds(rules: RulesFile): ScopeBy[] {
  return [...new Set(rules.rules.filter((r) => r.enabled !== false).map((r) => r.scope.by))];
}

/** Whether the rule set needs the repartition hop: some enabled rule is not trunk-scoped. */
export function needsRepartition(rules: RulesFile): boolean {
  return scopeKinds(rules).some((k) => k !== 'trunk');
}

export function rulesEvaluators(o: RulesAdapterOptions): EvaluatorFactory {
  const kinds = scopeKinds(o.rules);
  const repartition = needsRepartition(o.rules);
  const compiled = new Map<string, CompiledRuleSet>();
  const lanes: Lane[] = [];
  if (!repartition) {
    // events already arrive keyed by trunk id: one lane, no repartition hop
    compiled.set('trunk', compileRules(o.rules));
    lanes.push({ name: 'trunk', keyOf: LANE_KEY.trunk });
  } else {
    for (const kind of kinds) {
      compiled.set(
        kind,
        compileRules({ ...o.rules, rules: o.rules.rules.filter((r) => r.scope.by === kind) }),
      );
      const key = LANE_KEY[kind];
      lanes.push({ name: kind, keyOf: (s) => `${kind}:${key(s)}` });
    }
  }
  const all = compileRules(o.rules);
  const teamsOf = new Map([...compiled].map(([lane, rules]) => [lane, actionTeams(rules)]));
  // one schedule cache for every partition's planner: a team is read once per process (the
  // rules partitions read it ahead, the planners of the planning stage use it)
  const cache =
    o.planner.cache ??
    new ScheduleCache(o.planner.source, o.planner.clock ?? systemClock, {
      ...(o.planner.cacheTtlMs !== undefined ? { ttlMs: o.planner.cacheTtlMs } : {}),
      ...(o.planner.read ? { read: o.planner.read } : {}),
    });
  const plannerOptions: PlannerOptions = { ...o.planner, cache };
  const domains = planningDomains(all);
  const wallClock = o.eventTime?.clock ?? o.planner.clock ?? systemClock;
  const engineTime = {
    maxFutureSkewMs: o.eventTime?.maxFutureSkewMs ?? DEFAULTS.rules.maxFutureSkewMs,
    memberIdleMs: o.eventTime?.memberIdleMs ?? DEFAULTS.rules.memberIdleMs,
  };
  return {
    fingerprint: all.fingerprint,
    routing: { repartition, lanes, allowedLatenessMs: all.allowedLatenessMs },
    create(lane, partition, snapshot) {
      const rules = compiled.get(lane);
      if (!rules) {
        throw new StateRestoreError(
          `partition ${partition}: lane '${lane}' is not in this rule set (lanes: ${[...compiled.keys()].join(', ')})`,
        );
      }
      const stored = snapshot as StoredState | undefined;
      const probe = o.probe;
      const options = {
        ...engineTime,
        ...(probe ? { onTransition: (t: RuleTransition) => probe.transition(t) } : {}),
      };
      let engine: RuleEngine;
      try {
        engine = stored
          ? RuleEngine.restore(rules, stored.engine, {
              ...options,
              now: wallClock.now(),
              onRepair: (r) =>
                o.logger?.warn(
                  {
                    partition,
                    lane,
                    bound: toWire(r.limit),
                    droppedSamples: r.droppedSamples,
                    droppedMembers: r.droppedMembers,
                    ...(r.watermark ? { watermark: r.watermark } : {}),
                    ...(r.released ? { released: r.released } : {}),
                  },
                  'restored rule state held event times beyond the future bound (rules.maxFutureSkewMs): those were dropped and the watermark brought back',
                ),
            })
          : new RuleEngine(rules, options);
      } catch (cause) {
        throw new StateRestoreError(`partition ${partition} lane ${lane}: ${(cause as Error).message}`, {
          cause,
        });
      }
      return new RulesPartition(engine, wallClock, cache, teamsOf.get(lane) ?? []);
    },
    planning: {
      domainOf: (intent) => domains.get(intent.action.team) ?? `team:${intent.action.team}`,
      create(partition, snapshot) {
        let planner: Planner;
        try {
          planner = new Planner(plannerOptions, snapshot as PlannerSnapshot | undefined);
        } catch (cause) {
          throw new StateRestoreError(`planning partition ${partition}: ${(cause as Error).message}`, {
            cause,
          });
        }
        return new PlanningPartition(planner, o.probe);
      },
      stop: () => cache.stop(),
    },
  };
}

class RulesPartition implements PartitionEvaluator {
  /** the UTC day of event time whose schedules were last read ahead */
  private prefetchedDay = Number.NaN;
  /** the wall clock as read for the samples taken in the current synchronous run (a fetched batch) */
  private nowRead: number | undefined;
  private readonly forgetNow = () => {
    this.nowRead = undefined;
  };

  constructor(
    private readonly engine: RuleEngine,
    private readonly clock: Clock,
    private readonly cache: ScheduleCache,
    /** the teams this lane's rules act on */
    private readonly teams: readonly string[],
  ) {}

  evaluate(sample: TrunkSample): Evaluated {
    // the schedule cache is keyed by UTC day: read the teams of this lane's rules when event
    // time enters a new one, so that a surge's first intent finds them in memory when the
    // planning stage (in this process, unless run apart) plans it
    const day = Math.floor(sample.time / DAY_MS);
    if (day !== this.prefetchedDay) {
      this.prefetchedDay = day;
      this.cache.prefetch(this.teams, sample.time);
    }
    const r = this.engine.evaluate(sample, this.now());
    if (r.rejected)
      return { intents: NONE.intents, refused: { code: r.rejected.code, message: r.rejected.message } };
    if (r.intents.length === 0) return NONE;
    return { intents: r.intents, refused: null };
  }

  async snapshot(): Promise<StoredState> {
    return { engine: this.engine.snapshot() };
  }

  /**
   * The wall clock, read once for every sample of a batch: the stage hands a batch's messages
   * over in one synchronous run, and reading the clock costs more than evaluating a quiet
   * sample. The reading is forgotten when the run yields (a microtask), so a sample is never
   * judged by a clock older than the batch it came in.
   */
  private now(): number {
    let now = this.nowRead;
    if (now === undefined) {
      now = this.clock.now();
      this.nowRead = now;
      queueMicrotask(this.forgetNow);
    }
    return now;
  }
}

class PlanningPartition implements PartitionPlanner {
  constructor(
    private readonly planner: Planner,
    private readonly probe: Probe | undefined,
  ) {}

  async plan(intent: Intent): Promise<readonly Adjustment[]> {
    const planned = await this.planner.plan(intent);
    if (this.probe) for (const skip of planned.skipped) this.probe.skip(skip);
    return planned.adjustments;
  }

  snapshot(): Promise<PlannerSnapshot> {
    return this.planner.snapshot();
  }
}
