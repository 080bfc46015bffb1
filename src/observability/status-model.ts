import type { TrunkSample } from '../events/trunk-event.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { Skip } from '../planner/resolve-intent.js';
import type { RuleTransition } from '../rules/engine.js';
import type { ScopeBy } from '../rules/schema.js';
import { formatLocal } from '../time/local-format.js';
import type { Outcome, OutcomeStatus } from '../writer/outcome.js';
import type { RuleInfo } from './rule-info.js';
import type { AdjustmentRow, AdjustmentView, FeedState, StatusSnapshot } from './status-snapshot.js';

export { type RuleInfo, ruleInfoFrom, type ThresholdLine } from './rule-info.js';
export type { AdjustmentRow, AdjustmentView, FeedState, StatusSnapshot } from './status-snapshot.js';

export interface StatusModelOptions {
  rules: readonly RuleInfo[];
  /** how much event time the plots keep, ms (default 6 h) */
  horizonMs?: number;
  /** plot resolution, ms of event time per point (default 1 min) */
  bucketMs?: number;
  /** zone the page shows times in, the business unit's (default UTC) */
  zone?: string;
  maxGroups?: number;
  maxTrunks?: number;
  /** firing periods kept per rule and scope key */
  maxPeriods?: number;
  /** rule and scope keys followed (trunk-scoped rules have one per trunk) */
  maxRuleScopes?: number;
  /** adjustments remembered; the oldest finished ones go first */
  maxAdjustments?: number;
  /** adjustments listed in the snapshot's `latest` */
  latestShown?: number;
}

export const STATUS_MODEL_DEFAULTS = {
  horizonMs: 6 * 3_600_000,
  bucketMs: 60_000,
  zone: 'UTC',
  maxGroups: 64,
  maxTrunks: 10_000,
  maxPeriods: 100,
  maxRuleScopes: 10_000,
  maxAdjustments: 500,
  latestShown: 40,
} as const;

interface Bucket {
  calls: number;
  capacity: number;
  maxUtil: number;
}

interface GroupSeries {
  buckets: Map<number, Bucket>;
  trunks: Set<string>;
  sites: Set<string>;
  regions: Set<string>;
  rules: Set<string>;
}

interface Period {
  from: number;
  to: number | null;
}

interface RuleScope {
  ruleId: string;
  kind: ScopeBy;
  value: string;
  phase: string;
  periods: Period[];
}

/**
 * What the status page shows, kept in bounded memory: per trunk group, utilization per
 * bucket of event time over the last `horizonMs`; per rule and scope, its firing periods;
 * per adjustment, its latest outcome. Pure: it reads no clock — the newest event time is
 * "now", so a replay draws the same picture as the live stream did.
 */
export class StatusModel {
  private readonly o: Required<Omit<StatusModelOptions, 'rules'>>;
  private readonly rules: ReadonlyMap<string, RuleInfo>;
  private readonly groups = new Map<string, GroupSeries>();
  private readonly trunkGroup = new Map<string, string>();
  /** per trunk, the newest sample plotted: a sample told again is not summed twice */
  private readonly trunkLatest = new Map<string, number>();
  private readonly scopes = new Map<string, RuleScope>();
  private readonly adjustments = new Map<string, AdjustmentRow>();
  private readonly outcomeCounts: Partial<Record<OutcomeStatus, number>> = {};
  private readonly skipCounts: Record<string, number> = {};
  private adjustmentCount = 0;
  private latestTime = Number.NEGATIVE_INFINITY;
  private feedState: FeedState | (() => FeedState) | null = null;

  constructor(options: StatusModelOptions) {
    this.o = { ...STATUS_MODEL_DEFAULTS, ...stripUndefined(options) };
    if (!(this.o.bucketMs > 0))
      throw new RangeError(`status model: bucketMs must be > 0, got ${this.o.bucketMs}`);
    if (!(this.o.horizonMs >= this.o.bucketMs))
      throw new RangeError(`status model: horizonMs must be ≥ bucketMs, got ${this.o.horizonMs}`);
    this.rules = new Map(options.rules.map((r) => [r.id, r]));
  }

  /**
   * One accepted trunk sample (late and duplicate ones are not fed). A sample at or before
   * its trunk's newest one is skipped: the pipeline tells a sample again after a replay and
   * once per lane, and a trunk's samples arrive in order (events are keyed by trunk id).
   */
  sample(s: TrunkSample): void {
    const newest = this.trunkLatest.get(s.trunkId);
    if (newest !== undefined && s.time <= newest) return;
    if (newest !== undefined || this.trunkLatest.size < this.o.maxTrunks)
      this.trunkLatest.set(s.trunkId, s.time);
    if (s.time > this.latestTime) {
      const crossedBucket =
        Math.floor(s.time / this.o.bucketMs) !== Math.floor(this.latestTime / this.o.bucketMs);
      this.latestTime = s.time;
      if (crossedBucket) this.prune();
    }
    if (s.time < this.horizonStart()) return;
    const g = this.group(s);
    if (g === undefined) return;
    const at = Math.floor(s.time / this.o.bucketMs) * this.o.bucketMs;
    let b = g.buckets.get(at);
    if (b === undefined) {
      b = { calls: 0, capacity: 0, maxUtil: 0 };
      g.buckets.set(at, b);
    }
    b.calls += s.activeCalls;
    b.capacity += s.capacity;
    if (s.utilization > b.maxUtil) b.maxUtil = s.utilization;
  }

  /** A rule phase change (RuleEngine `onTransition`): firing periods open and close here. */
  transition(t: RuleTransition): void {
    const id = `${t.ruleId}\u0000${t.scope.kind}\u0000${t.scope.value}`;
    let rs = this.scopes.get(id);
    if (rs === undefined) {
      if (this.scopes.size >= this.o.maxRuleScopes) return;
      rs = { ruleId: t.ruleId, kind: t.scope.kind, value: t.scope.value, phase: 'inactive', periods: [] };
      this.scopes.set(id, rs);
    }
    rs.phase = t.to;
    const last = rs.periods.at(-1);
    if (t.to === 'firing') {
      if (last === undefined || last.to !== null) rs.periods.push({ from: t.at, to: null });
      if (rs.periods.length > this.o.maxPeriods) rs.periods.shift();
    } else if (t.from === 'firing' && last !== undefined && last.to === null) {
      last.to = t.at;
    }
  }

  /** A planned adjustment; told again (the writer received it, a replay) it is counted once. */
  adjustment(a: Adjustment): void {
    const row = this.row(a.key, a.ruleId, a.action, a.kind);
    if (row.createdAt !== null) return;
    this.adjustmentCount++;
    row.teamId = a.teamId;
    row.target =
      a.kind === 'swap'
        ? `swap ${a.a.shiftId} (${a.a.agentId}) ⇄ ${a.b.shiftId} (${a.b.agentId})`
        : `shift ${a.shiftId} (agent ${a.agentId})`;
    row.createdAt = Date.parse(a.createdAt);
    const r = a.reason;
    row.reason = {
      text: r.text,
      metric: r.metric,
      aggregate: r.aggregate,
      window: r.window,
      value: r.value,
      threshold: r.threshold,
      scope: `${r.scope.kind} ${r.scope.value}`,
    };
  }

  /** Every outcome record, `deferred` ones included: the row shows the latest. */
  outcome(o: Outcome): void {
    const row = this.row(o.key, o.ruleId, o.action, o.kind);
    row.status = o.status;
    row.statusAt = Date.parse(o.finishedAt);
    row.deferredUntil = o.deferredUntil ? Date.parse(o.deferredUntil) : null;
    row.attempts = o.attempts;
    row.outcomeReason = o.reason ? { code: o.reason.code, message: o.reason.message } : null;
    this.outcomeCounts[o.status] = (this.outcomeCounts[o.status] ?? 0) + 1;
  }

  /** A planner skip: a guardrail said no, or the kill switch was engaged. */
  skipped(s: Pick<Skip, 'guardrail'>): void {
    this.skipCounts[s.guardrail] = (this.skipCounts[s.guardrail] ?? 0) + 1;
  }

  /** What feeds the page; a function is read at each snapshot (a live counter costs nothing per event). */
  feed(state: FeedState | (() => FeedState)): void {
    this.feedState = typeof state === 'function' ? state : { ...state };
  }

  snapshot(): StatusSnapshot {
    const waiting = [...this.adjustments.values()].filter((r) => r.status === 'deferred');
    const latest = [...this.adjustments.values()].slice(-this.o.latestShown).reverse();
    return {
      zone: this.o.zone,
      horizonMs: this.o.horizonMs,
      bucketMs: this.o.bucketMs,
      eventTime: Number.isFinite(this.latestTime) ? this.latestTime : null,
      eventTimeText: Number.isFinite(this.latestTime) ? this.text(this.latestTime) : null,
      feed: this.feedState
        ? { ...(typeof this.feedState === 'function' ? this.feedState() : this.feedState) }
        : null,
      groups: [...this.groups].map(([name, g]) => this.groupSnapshot(name, g)),
      counts: {
        adjustments: this.adjustmentCount,
        outcomes: { ...this.outcomeCounts },
        skipped: { ...this.skipCounts },
        waiting: waiting.length,
      },
      waiting: waiting.map((r) => this.view(r)),
      latest: latest.map((r) => this.view(r)),
    };
  }

  private view(r: AdjustmentRow): AdjustmentView {
    return {
      ...r,
      createdAtText: r.createdAt === null ? null : this.text(r.createdAt),
      deferredUntilText: r.deferredUntil === null ? null : this.text(r.deferredUntil),
    };
  }

  private text(ms: number): string {
    return formatLocal(ms, this.o.zone);
  }

  private groupSnapshot(name: string, g: GroupSeries): StatusSnapshot['groups'][number] {
    const start = this.horizonStart();
    const points = [...g.buckets]
      .filter(([t]) => t >= start)
      .sort((a, b) => a[0] - b[0])
      .map(([t, b]): [number, number, number] => [
        t,
        b.capacity > 0 ? round(b.calls / b.capacity) : 0,
        round(b.maxUtil),
      ]);
    const rules = [...g.rules].flatMap((id) => {
      const info = this.rules.get(id);
      if (info === undefined) return [];
      const periods: Array<{ from: number; to: number | null; scope: string }> = [];
      let firing = false;
      for (const rs of this.scopes.values()) {
        if (rs.ruleId !== id || !this.scopeInGroup(rs, name, g)) continue;
        if (rs.phase === 'firing') firing = true;
        for (const p of rs.periods) {
          if (p.to === null || p.to >= start) periods.push({ ...p, scope: `${rs.kind} ${rs.value}` });
        }
      }
      periods.sort((a, b) => a.from - b.from);
      return [{ id, condition: info.condition, thresholds: info.thresholds, firing, periods }];
    });
    return { name, trunks: g.trunks.size, points, rules };
  }

  private scopeInGroup(rs: RuleScope, name: string, g: GroupSeries): boolean {
    switch (rs.kind) {
      case 'trunkGroup':
        return rs.value === name;
      case 'trunk':
        return g.trunks.has(rs.value);
      case 'site':
        return g.sites.has(rs.value);
      case 'region':
        return g.regions.has(rs.value);
      case 'selector':
        return true;
    }
  }

  private group(s: TrunkSample): GroupSeries | undefined {
    let g = this.groups.get(s.trunkGroup);
    if (g === undefined) {
      if (this.groups.size >= this.o.maxGroups) return undefined;
      g = { buckets: new Map(), trunks: new Set(), sites: new Set(), regions: new Set(), rules: new Set() };
      this.groups.set(s.trunkGroup, g);
    }
    // Which rules see a trunk depends on its identity only: worked out once per trunk.
    if (this.trunkGroup.get(s.trunkId) !== s.trunkGroup && this.trunkGroup.size < this.o.maxTrunks) {
      this.trunkGroup.set(s.trunkId, s.trunkGroup);
      g.trunks.add(s.trunkId);
      g.sites.add(s.site);
      g.regions.add(s.region);
      for (const r of this.rules.values()) if (r.appliesTo?.(s) ?? true) g.rules.add(r.id);
    }
    return g;
  }

  private row(key: string, ruleId: string, action: string, kind: 'update' | 'swap'): AdjustmentRow {
    let row = this.adjustments.get(key);
    if (row !== undefined) return row;
    row = {
      key,
      ruleId,
      action,
      kind,
      teamId: null,
      target: null,
      createdAt: null,
      reason: null,
      status: 'planned',
      statusAt: null,
      deferredUntil: null,
      attempts: 0,
      outcomeReason: null,
    };
    this.adjustments.set(key, row);
    if (this.adjustments.size > this.o.maxAdjustments) this.evictOne();
    return row;
  }

  /** Drops the oldest finished adjustment; the oldest of all when every one is still open. */
  private evictOne(): void {
    for (const [key, r] of this.adjustments) {
      if (r.status !== 'deferred' && r.status !== 'planned') {
        this.adjustments.delete(key);
        return;
      }
    }
    const first = this.adjustments.keys().next();
    if (!first.done) this.adjustments.delete(first.value);
  }

  private horizonStart(): number {
    return (
      Math.floor((this.latestTime - this.o.horizonMs) / this.o.bucketMs) * this.o.bucketMs + this.o.bucketMs
    );
  }

  private prune(): void {
    const start = this.horizonStart();
    for (const g of this.groups.values()) {
      for (const t of g.buckets.keys()) if (t < start) g.buckets.delete(t);
    }
    for (const rs of this.scopes.values()) {
      while (rs.periods.length > 0 && rs.periods[0]!.to !== null && rs.periods[0]!.to < start)
        rs.periods.shift();
    }
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
