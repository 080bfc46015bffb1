import type { TrunkSample } from '../events/trunk-event.js';
import type { CompiledRule, CompiledRuleSet } from './compile.js';
import {
  ENGINE_SNAPSHOT_FORMAT,
  type EngineCounters,
  type EngineSnapshot,
  type EngineSnapshotV1,
  upgradeSnapshot,
} from './engine-snapshot.js';
import { EventRejectedError } from './event-rejected-error.js';
import { type FutureRepair, repairFuture } from './future-repair.js';
import type { Intent } from './intent.js';
import { evidenceOf } from './predicate.js';
import { ReorderBuffer } from './reorder-buffer.js';
import { PHASE, PHASE_NAMES, type Phase, type RuleState } from './rule-state.js';
import type { ScopeBy } from './schema.js';
import { type Route, routeOf, sameLabels } from './scope-route.js';
import type { ScopeState } from './scope-state.js';
import { finite, fromTuple, restoreScope, toTuple } from './snapshot-codec.js';

export interface Evaluation {
  /** intents in (event time, rule order); a shared empty array when none */
  intents: readonly Intent[];
  /** set when the sample was refused (late, duplicate or future) */
  rejected: EventRejectedError | null;
}

export interface RuleTransition {
  ruleId: string;
  scope: { kind: ScopeBy; value: string };
  from: (typeof PHASE_NAMES)[number];
  to: (typeof PHASE_NAMES)[number];
  /** event time */
  at: number;
}

export interface RuleEngineOptions {
  /** called on every phase change (for metrics and the status page); must not throw */
  onTransition?: (t: RuleTransition) => void;
  /**
   * wall clock a member more than `memberStaleAfter` behind must stay silent before it stops
   * holding the watermark back, ms (default: never; only applies when `evaluate` is given the wall clock)
   */
  memberIdleMs?: number;
  /** how far ahead of the wall clock a sample may be stamped, ms (default: no bound; only with the wall clock) */
  maxFutureSkewMs?: number;
}

export interface RestoreOptions extends RuleEngineOptions {
  /** wall clock at the restore: state beyond now + `maxFutureSkewMs` is repaired (future-repair.ts) */
  now?: number;
  /** told what the repair changed, once, when something lay beyond the bound */
  onRepair?: (repair: FutureRepair) => void;
}

const NO_INTENTS: readonly Intent[] = Object.freeze([]);

const NOTHING: Evaluation = Object.freeze({ intents: NO_INTENTS, rejected: null });

/**
 * The rules engine for one input partition: a synchronous state machine fed one sample
 * at a time. It reads no clock: decisions depend on event time only. The caller may hand
 * `evaluate` the wall clock, which decides two things and nothing else: whether a sample
 * is stamped too far in the future to be taken, and when a member that went silent stops
 * holding the watermark back (so when samples are released, never in which order). Its
 * whole state is a value (`snapshot()` / `RuleEngine.restore()`), so a restored engine
 * continues exactly as the original would have.
 *
 * An event goes through the reorder buffer (see ReorderBuffer), then to the series
 * that can see it (rules indexed by scope), then into the windows of its scope key,
 * then through each rule's state machine.
 */
export class RuleEngine {
  private rules: CompiledRuleSet;
  private buffer: ReorderBuffer;
  private keys: Array<Map<string, ScopeState>>;
  private readonly counters: EngineCounters = {
    accepted: 0,
    processed: 0,
    late: 0,
    duplicates: 0,
    future: 0,
    intents: 0,
  };
  private readonly options: RuleEngineOptions;
  private readonly onTransition: ((t: RuleTransition) => void) | undefined;
  /** per trunk: the scope states its samples update (derived, rebuilt on restore) */
  private routes = new Map<string, Route>();
  private usesLabels: boolean;

  constructor(rules: CompiledRuleSet, options: RuleEngineOptions = {}) {
    this.rules = rules;
    this.options = options;
    this.buffer = new ReorderBuffer({
      allowedLatenessMs: rules.allowedLatenessMs,
      memberStaleAfterMs: rules.memberStaleAfterMs,
      memberIdleMs: options.memberIdleMs ?? Number.POSITIVE_INFINITY,
      maxFutureSkewMs: options.maxFutureSkewMs ?? Number.POSITIVE_INFINITY,
    });
    this.keys = rules.series.map(() => new Map());
    this.onTransition = options.onTransition;
    this.usesLabels = rules.series.some((x) => x.usesLabels);
  }

  get ruleSet(): CompiledRuleSet {
    return this.rules;
  }

  /** The partition's watermark (epoch ms): samples older than this have been evaluated or are waiting to be. */
  get watermark(): number {
    return this.buffer.watermark;
  }

  get stats(): Readonly<EngineCounters> & { buffered: number } {
    return { ...this.counters, buffered: this.buffer.size };
  }

  /**
   * Takes one sample. `now` is the wall clock (epoch ms) where there is one (the pipeline);
   * a replay (`plan`) passes none: nothing is then in the future and no member goes stale.
   */
  evaluate(sample: TrunkSample, now?: number): Evaluation {
    const verdict = this.buffer.offer(sample, now);
    if (verdict !== 'accepted') return this.refuse(verdict, sample, now);
    this.counters.accepted++;
    let out: Intent[] | null = null;
    for (let s = this.buffer.next(); s !== undefined; s = this.buffer.next()) out = this.process(s, out);
    return out === null ? NOTHING : { intents: out, rejected: null };
  }

  private refuse(verdict: 'late' | 'duplicate' | 'future', sample: TrunkSample, now?: number): Evaluation {
    let code: EventRejectedError['code'];
    if (verdict === 'late') {
      this.counters.late++;
      code = 'TR_ERR_EVENT_LATE';
    } else if (verdict === 'duplicate') {
      this.counters.duplicates++;
      code = 'TR_ERR_EVENT_DUPLICATE';
    } else {
      this.counters.future++;
      code = 'TR_ERR_EVENT_FUTURE';
    }
    const future =
      verdict === 'future' && now !== undefined
        ? { now, maxFutureSkewMs: this.buffer.settings.maxFutureSkewMs }
        : undefined;
    return {
      intents: NO_INTENTS,
      rejected: new EventRejectedError(code, sample, this.buffer.watermark, future),
    };
  }

  /** Evaluates everything still waiting for the watermark, as at the end of a stream. */
  flush(): Intent[] {
    let out: Intent[] | null = null;
    for (const s of this.buffer.drain()) out = this.process(s, out);
    return out ?? [];
  }

  private process(s: TrunkSample, out: Intent[] | null): Intent[] | null {
    this.counters.processed++;
    let r = this.routes.get(s.trunkId);
    if (
      r === undefined ||
      r.trunkGroup !== s.trunkGroup ||
      r.region !== s.region ||
      r.site !== s.site ||
      (this.usesLabels && !sameLabels(r.labels, s.labels))
    ) {
      r = this.route(s);
    }
    const staleMs = this.rules.memberStaleAfterMs;
    const before = out === null ? 0 : out.length;
    const defs = r.defs;
    for (let i = 0; i < defs.length; i++) {
      const def = defs[i]!;
      const st = r.states[i]!;
      r.slots[i] = st.ingest(s, def, staleMs, r.slots[i]!);
      const rules = def.rules;
      for (let j = 0; j < rules.length; j++) {
        const intent = this.step(rules[j]!, st.rules[j]!, st, r.keys[i]!, s.time);
        if (intent !== null) {
          if (out === null) out = [];
          out.push(intent);
        }
      }
    }
    if (out !== null && out.length - before > 1) {
      const mine = out.splice(before).sort((a, b) => a.ruleIndex - b.ruleIndex);
      out.push(...mine);
    }
    if (out !== null) this.counters.intents += out.length - before;
    return out;
  }

  /** Rules indexed by scope: works out once per trunk which scope states its samples reach. */
  private route(s: TrunkSample): Route {
    const r = routeOf(this.rules, this.keys, s);
    this.routes.set(s.trunkId, r);
    return r;
  }

  private step(rule: CompiledRule, rs: RuleState, st: ScopeState, key: string, t: number): Intent | null {
    if (rule.during !== null && !rule.during.isActive(t)) {
      if (rs.phase !== PHASE.inactive) this.transition(rule, rs, key, PHASE.inactive, t);
      return null;
    }
    const ws = st.windows;
    if (rs.phase === PHASE.inactive) {
      if (!rule.fire(ws)) return null;
      rs.pendingSince = t;
      this.transition(rule, rs, key, PHASE.pending, t);
    }
    if (rs.phase === PHASE.pending) {
      if (!rule.fire(ws)) {
        this.transition(rule, rs, key, PHASE.inactive, t);
        return null;
      }
      if (t - rs.pendingSince < rule.forMs) return null;
      rs.firingSince = t;
      rs.holdFalseSince = Number.NaN;
      rs.acts = 0;
      this.transition(rule, rs, key, PHASE.firing, t);
    }
    // firing
    if (!rule.hold(ws)) {
      if (Number.isNaN(rs.holdFalseSince)) rs.holdFalseSince = t;
      if (t - rs.holdFalseSince >= rule.keepFiringForMs) this.transition(rule, rs, key, PHASE.inactive, t);
      return null;
    }
    rs.holdFalseSince = Number.NaN;
    const sinceAct = t - rs.lastActAt;
    const due =
      rs.acts === 0 ? sinceAct >= rule.cooldownMs : rule.repeatEveryMs > 0 && sinceAct >= rule.repeatEveryMs;
    if (!due) return null;
    rs.lastActAt = t;
    const repeat = rs.acts++;
    return {
      ruleId: rule.id,
      ruleIndex: rule.index,
      scope: { kind: rule.series.by, value: key },
      eventTime: t,
      firingSince: rs.firingSince,
      repeat,
      evidence: evidenceOf(rule.condition, ws),
      forMs: rule.forMs,
      action: rule.action,
      guardrails: rule.guardrails,
    };
  }

  private transition(rule: CompiledRule, rs: RuleState, key: string, to: Phase, t: number): void {
    const from = rs.phase;
    if (to === PHASE.inactive) rs.reset();
    else rs.phase = to;
    this.onTransition?.({
      ruleId: rule.id,
      scope: { kind: rule.series.by, value: key },
      from: PHASE_NAMES[from],
      to: PHASE_NAMES[to],
      at: t,
    });
  }

  /** The current phase of every rule and scope key (for the status page and tests). */
  phases(): Array<{ ruleId: string; scope: string; phase: (typeof PHASE_NAMES)[number] }> {
    const out: Array<{ ruleId: string; scope: string; phase: (typeof PHASE_NAMES)[number] }> = [];
    for (const def of this.rules.series) {
      for (const [key, st] of this.keys[def.index]!) {
        def.rules.forEach((r, j) => {
          out.push({ ruleId: r.id, scope: key, phase: PHASE_NAMES[st.rules[j]!.phase] });
        });
      }
    }
    return out;
  }

  snapshot(): EngineSnapshot {
    return {
      format: ENGINE_SNAPSHOT_FORMAT,
      rulesFingerprint: this.rules.fingerprint,
      maxTime: finite(this.buffer.maxTime),
      watermark: finite(this.buffer.watermark),
      released: Number.isFinite(this.buffer.releasedTime)
        ? [this.buffer.releasedTime, this.buffer.releasedTrunk]
        : null,
      members: this.buffer.members.toJSON(),
      counters: { ...this.counters },
      buffer: this.buffer.pending().map(toTuple),
      series: this.rules.series.map((def) => ({
        signature: def.signature,
        keys: [...this.keys[def.index]!].map(([key, st]) => ({
          key,
          members: st.membersSnapshot(),
          windows: def.windows.map((w, i) => ({ signature: w.signature, ...st.windows[i]!.toJSON() })),
          rules: def.rules.map((r, j) => ({
            id: r.id,
            fingerprint: r.fingerprint,
            state: st.rules[j]!.toJSON(),
          })),
        })),
      })),
    };
  }

  /**
   * An engine for `rules` carrying on from `snap` (this format or the one before). State
   * whose series, window or rule fingerprint no longer exists in `rules` is dropped; new
   * ones start empty. Given the wall clock (`options.now`) and a future bound, whatever
   * the state holds beyond now + the bound is repaired, not trusted (future-repair.ts).
   */
  static restore(
    rules: CompiledRuleSet,
    stored: EngineSnapshot | EngineSnapshotV1,
    options: RestoreOptions = {},
  ): RuleEngine {
    let snap = upgradeSnapshot(stored);
    const { now, onRepair, ...engineOptions } = options;
    const skew = engineOptions.maxFutureSkewMs;
    if (now !== undefined && skew !== undefined && Number.isFinite(skew)) {
      const r = repairFuture(snap, now + skew, rules.allowedLatenessMs);
      snap = r.snapshot;
      if (r.repair) onRepair?.(r.repair);
    }
    const engine = new RuleEngine(rules, engineOptions);
    Object.assign(engine.counters, snap.counters);
    const buffer = engine.buffer;
    // members first: the waiting samples are put back in order, not taken in again
    buffer.members.restore(snap.members);
    for (const t of snap.buffer) buffer.offer(fromTuple(t));
    if (snap.maxTime !== null && snap.maxTime > buffer.members.frontier)
      buffer.members.frontier = snap.maxTime;
    buffer.watermark = snap.watermark ?? Number.NEGATIVE_INFINITY;
    buffer.releasedTime = snap.released?.[0] ?? Number.NEGATIVE_INFINITY;
    buffer.releasedTrunk = snap.released?.[1] ?? null;
    const bySig = new Map(rules.series.map((s) => [s.signature, s]));
    for (const ss of snap.series) {
      const def = bySig.get(ss.signature);
      if (!def) continue;
      const map = engine.keys[def.index]!;
      for (const k of ss.keys) map.set(k.key, restoreScope(def, k));
    }
    return engine;
  }

  /**
   * Swaps in a new rule set between two events (hot reload). Rules whose firing logic is
   * unchanged keep their pending timers, firing state and cooldowns; windows still in
   * use keep their points.
   */
  replaceRules(rules: CompiledRuleSet): void {
    const next = RuleEngine.restore(rules, this.snapshot(), this.options);
    this.rules = next.rules;
    this.buffer = next.buffer;
    this.keys = next.keys;
    this.routes = new Map();
    this.usesLabels = next.usesLabels;
  }
}
