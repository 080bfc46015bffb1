import type { CompiledRule } from '../rules/compile.js';
import { pathString } from '../rules/load.js';
import type { ScopeBy } from '../rules/schema.js';
import { closestKey } from '../rules/zod-walk.js';
import { formatLocal } from '../time/local-format.js';
import type { PublishWindow } from '../time/publish-window.js';
import { duringText } from './describe-rule.js';
import type { RulesUnderTest } from './rules-source.js';
import type { Located, PhaseCheck, PlannedSpec, TimeMatch, WindowCheck } from './scenario.js';
import type { TestSchedule } from './schedule-source.js';
import type { Expectation, PassedOverExpectation, PlannedExpectation, RuleTest } from './schema.js';
import type { TestFileIssue } from './test-file-error.js';
import { readTimeText, resolveTime, type TimeBase } from './test-time.js';
import type { TrunkInput } from './trunk-inputs.js';
import type { DataPath, YamlSource } from './yaml-source.js';

export interface TimeFrame {
  base: TimeBase;
  span: { start: number; end: number; lastSample: number };
  trunks: TrunkInput[];
  publishWindow: PublishWindow | undefined;
}

const CHANGES: Record<string, ReadonlyArray<'start' | 'end' | 'onQueue' | 'with'>> = {
  extend: ['end'],
  'pull-forward': ['start'],
  shorten: ['start', 'end'],
  'to-on-queue': ['onQueue'],
  swap: ['with'],
};

/**
 * Reads one test of a file: locates its problems under the test, and checks and resolves its
 * expectations against the rules, the schedule and the series' time frame.
 */
export class TestReader {
  /** each rule's scope keys over the test's trunks */
  private readonly keys = new Map<CompiledRule, Set<string>>();

  constructor(
    private readonly src: YamlSource,
    private readonly test: RuleTest,
    private readonly at: DataPath,
    private readonly zone: string,
    private readonly issues: TestFileIssue[],
  ) {}

  where(rel: DataPath): Located {
    const p = [...this.at, ...rel];
    return { ...this.src.position(p), path: pathString(p) };
  }

  issue(rel: DataPath, message: string, fix?: string): void {
    this.issues.push(this.src.issue([...this.at, ...rel], this.test.name, message, fix));
  }

  unknownRule(rel: DataPath, id: string, known: readonly string[]): void {
    const guess = closestKey(id, known);
    this.issue(
      rel,
      `unknown rule '${id}': the rules files hold ${known.join(', ') || 'no rules'}`,
      guess ? `did you mean '${guess}'?` : 'use a rule id from the rules file',
    );
  }

  /** The rule an expectation names, if it is known and runs in this test; an issue otherwise. */
  private rule(rel: DataPath, id: string, rules: RulesUnderTest): CompiledRule | undefined {
    const r = rules.rules.get(id);
    if (!r) {
      this.unknownRule(rel, id, [...rules.rules.keys()]);
      return undefined;
    }
    if (!r.compiled) {
      this.issue(
        rel,
        `rule '${id}' is disabled in ${r.file} (enabled: false), so it never runs`,
        `add it to this test's enable: to test it switched on`,
      );
      return undefined;
    }
    return r.compiled;
  }

  private time(
    rel: DataPath,
    text: string,
    frame: TimeFrame,
    kind: 'point' | 'from' | 'to',
  ): number | undefined {
    const r = resolveTime(text, frame.base);
    if ('error' in r) {
      this.issue(rel, r.error, 'write a time like 09:25, 2026-11-27 09:25 or 25m');
      return undefined;
    }
    const { start, end, lastSample } = frame.span;
    const show = (ms: number) => formatLocal(ms, this.zone);
    if (r.ms < start) {
      this.issue(
        rel,
        `${text} is before the test starts (${show(start)})`,
        'move the time to the start or later, or start the test earlier',
      );
      return undefined;
    }
    if (kind === 'to' ? r.ms > end : r.ms >= end) {
      this.issue(
        rel,
        `${text} is past the series, whose last sample is at ${show(lastSample)}: nothing can happen there`,
        kind === 'to'
          ? `end the window at ${show(end)} at the latest, or lengthen the series`
          : 'lengthen the series to cover it, or move the time earlier',
      );
      return undefined;
    }
    return r.ms;
  }

  /** Every expectation of the test; with no time frame (start, interval or series broken) only ids are checked. */
  expectations(
    rules: RulesUnderTest,
    schedule: TestSchedule | undefined,
    frame: TimeFrame | undefined,
  ): { phases: PhaseCheck[]; windows: WindowCheck[] } | undefined {
    const before = this.issues.length;
    const phases: PhaseCheck[] = [];
    const windows: WindowCheck[] = [];
    for (const [j, e] of this.test.expect.entries()) {
      const rel: DataPath = ['expect', j];
      if (e.at !== undefined) this.point(rel, e, rules, frame, phases);
      else this.window(rel, e, rules, schedule, frame, windows);
    }
    return this.issues.length === before ? { phases, windows } : undefined;
  }

  private point(
    rel: DataPath,
    e: Expectation,
    rules: RulesUnderTest,
    frame: TimeFrame | undefined,
    out: PhaseCheck[],
  ): void {
    const at = frame ? this.time([...rel, 'at'], e.at!, frame, 'point') : undefined;
    for (const kind of ['firing', 'notFiring'] as const) {
      for (const [k, ref] of (e[kind] ?? []).entries()) {
        const refAt: DataPath = [...rel, kind, k];
        const { rule: id, scope } = typeof ref === 'string' ? { rule: ref, scope: undefined } : ref;
        const rule = this.rule(typeof ref === 'string' ? refAt : [...refAt, 'rule'], id, rules);
        if (!rule || !frame) continue;
        let keys = this.keys.get(rule);
        if (!keys) {
          keys = scopeKeys(rule, frame.trunks);
          this.keys.set(rule, keys);
        }
        if (scope !== undefined && !keys.has(scope)) {
          this.issue(
            [...refAt, 'scope'],
            unknownScope(rule, scope, keys),
            'name a scope key the rule has in this test',
          );
          continue;
        }
        if (kind === 'firing' && keys.size === 0) {
          this.issue(
            refAt,
            `rule '${id}' can never fire in this test: its scope admits none of the test's trunks`,
            "give the test trunks the rule's scope selects (its where:), or drop the expectation",
          );
          continue;
        }
        if (at === undefined) continue;
        if (kind === 'firing' && rule.during && !rule.during.isActive(at)) {
          const spec = rules.rules.get(id)!;
          this.issue(
            refAt,
            `rule '${id}' can never be firing at ${formatLocal(at, this.zone)}: it runs only during ${duringText(spec.rule)}`,
            'pick a time inside its during windows, or expect notFiring there',
          );
          continue;
        }
        out.push({ kind, where: this.where(refAt), at, atText: e.at!, rule: id, scope });
      }
    }
  }

  private window(
    rel: DataPath,
    e: Expectation,
    rules: RulesUnderTest,
    schedule: TestSchedule | undefined,
    frame: TimeFrame | undefined,
    out: WindowCheck[],
  ): void {
    const from = frame ? this.time([...rel, 'from'], e.from!, frame, 'from') : undefined;
    const to = frame ? this.time([...rel, 'to'], e.to!, frame, 'to') : undefined;
    if (from !== undefined && to !== undefined && from >= to)
      this.issue(
        [...rel, 'to'],
        `the window ends (${e.to}) before it starts (${e.from})`,
        'swap from and to',
      );
    const shiftIds = new Set(schedule?.snapshot.shifts.map((s) => s.id));
    const agentIds = new Set(schedule?.snapshot.agents.map((a) => a.id));
    const known = (p: DataPath, what: 'shift' | 'agent', id: string | undefined) => {
      if (id === undefined || !schedule) return;
      const set = what === 'shift' ? shiftIds : agentIds;
      if (set.has(id)) return;
      const guess = closestKey(id, [...set]);
      this.issue(
        p,
        `unknown ${what} '${id}': the schedule has no such ${what}`,
        guess ? `did you mean '${guess}'?` : undefined,
      );
    };
    const planned: WindowCheck['planned'] = [];
    for (const [k, p] of (e.planned ?? []).entries()) {
      const at: DataPath = [...rel, 'planned', k];
      const spec = this.planned(at, p, rules, frame, known);
      if (spec) planned.push({ where: this.where(at), spec });
    }
    const passedOver: WindowCheck['passedOver'] = [];
    for (const [k, p] of (e.passedOver ?? []).entries()) {
      const at: DataPath = [...rel, 'passedOver', k];
      if (p.rule !== undefined) this.rule([...at, 'rule'], p.rule, rules);
      known([...at, 'shift'], 'shift', p.shift);
      known([...at, 'agent'], 'agent', p.agent);
      passedOver.push({ where: this.where(at), spec: { ...p, text: describePassedOver(p) } });
    }
    if (from === undefined || to === undefined) return;
    out.push({
      where: this.where(rel),
      from,
      to,
      fromText: e.from!,
      toText: e.to!,
      planned,
      passedOver,
      nothingElse: e.nothingElse ? this.where([...rel, 'nothingElse']) : undefined,
    });
  }

  private planned(
    at: DataPath,
    p: PlannedExpectation,
    rules: RulesUnderTest,
    frame: TimeFrame | undefined,
    known: (p: DataPath, what: 'shift' | 'agent', id: string | undefined) => void,
  ): PlannedSpec | undefined {
    const before = this.issues.length;
    const rule = p.rule !== undefined ? this.rule([...at, 'rule'], p.rule, rules) : undefined;
    const ruleAction = rule?.action.kind;
    if (rule && p.action !== undefined && p.action !== ruleAction) {
      this.issue(
        [...at, 'action'],
        `can never match: rule '${p.rule}' makes ${ruleAction} adjustments, not ${p.action}`,
        `write action: ${ruleAction}, or name another rule`,
      );
    }
    const action = p.action ?? ruleAction;
    if (action !== undefined) {
      let allowed = CHANGES[action]!;
      if (rule?.action.kind === 'shorten') allowed = [rule.action.trim];
      for (const f of ['start', 'end', 'onQueue', 'with'] as const) {
        if (p[f] !== undefined && !allowed.includes(f)) {
          this.issue(
            [...at, f],
            `can never match: a${action === 'extend' ? 'n' : ''} ${action} adjustment${rule ? ` of rule '${p.rule}'` : ''} changes no \`${f}\``,
            `its change is given with ${allowed.map((x) => `\`${x}\``).join(' or ')}`,
          );
        }
      }
    }
    if (p.heldByPublishWindow && frame && !frame.publishWindow) {
      this.issue(
        [...at, 'heldByPublishWindow'],
        'can never match: the file sets publishWindow: false',
        'drop heldByPublishWindow, or give the file its publish window',
      );
    }
    known([...at, 'shift'], 'shift', p.shift);
    known([...at, 'with'], 'shift', p.with);
    known([...at, 'agent'], 'agent', p.agent);
    const match = (f: DataPath, text: string): TimeMatch | undefined => {
      const t = readTimeText(text);
      if (t?.kind === 'clock') return { clock: t.seconds };
      if (!frame) return undefined;
      const r = resolveTime(text, frame.base);
      if ('error' in r) {
        this.issue(f, r.error, 'write a time like 10:30 or 2026-11-27 10:30');
        return undefined;
      }
      return { ms: r.ms };
    };
    const { start, end, onQueue, heldByPublishWindow, ...ids } = p;
    const spec: PlannedSpec = { ...ids, text: describePlanned(p) };
    if (start !== undefined) spec.start = match([...at, 'start'], start);
    if (end !== undefined) spec.end = match([...at, 'end'], end);
    if (onQueue !== undefined) {
      const a = match([...at, 'onQueue', 0], onQueue[0]);
      const b = match([...at, 'onQueue', 1], onQueue[1]);
      if (a && b) spec.onQueue = [a, b];
    }
    if (heldByPublishWindow !== undefined) spec.held = heldByPublishWindow;
    return this.issues.length === before ? spec : undefined;
  }
}

/** The scope keys a rule has over these trunks: as the engine keys its states (engine.ts keyOf). */
function scopeKeys(rule: CompiledRule, trunks: readonly TrunkInput[]): Set<string> {
  const keys = new Set<string>();
  for (const t of trunks) {
    const sample = { ...t, time: 0, activeCalls: 0, capacity: 1, utilization: 0 };
    if (rule.series.matches(sample)) keys.add(keyOf(rule.series.by, t));
  }
  return keys;
}

function keyOf(by: ScopeBy, t: TrunkInput): string {
  switch (by) {
    case 'trunk':
      return t.trunkId;
    case 'trunkGroup':
      return t.trunkGroup;
    case 'region':
      return t.region;
    case 'site':
      return t.site;
    case 'selector':
      return '*';
  }
}

function unknownScope(rule: CompiledRule, scope: string, keys: ReadonlySet<string>): string {
  const by = rule.series.by;
  const what = by === 'trunk' ? 'trunk' : by === 'selector' ? 'scope' : by;
  const has = keys.size === 0 ? 'none' : [...keys].sort().join(', ');
  return `unknown ${what} '${scope}' for rule '${rule.id}' (by: ${by}): in this test it has ${has}`;
}

export function describePlanned(p: PlannedExpectation): string {
  const parts: string[] = [];
  if (p.rule) parts.push(p.rule);
  if (p.action) parts.push(p.action);
  if (p.shift || p.agent) parts.push([p.shift, p.agent].filter(Boolean).join(' / '));
  if (p.with) parts.push(`with ${p.with}`);
  if (p.start) parts.push(`start → ${p.start}`);
  if (p.end) parts.push(`end → ${p.end}`);
  if (p.onQueue) parts.push(`on-queue ${p.onQueue[0]}–${p.onQueue[1]}`);
  if (p.heldByPublishWindow !== undefined)
    parts.push(p.heldByPublishWindow ? 'held by the publish window' : 'not held by the publish window');
  return parts.length > 0 ? parts.join(' ') : 'any adjustment';
}

export function describePassedOver(p: PassedOverExpectation): string {
  const parts: string[] = [];
  if (p.rule) parts.push(p.rule);
  if (p.guardrail) parts.push(`by ${p.guardrail}`);
  if (p.shift || p.agent) parts.push([p.shift, p.agent].filter(Boolean).join(' / '));
  return parts.length > 0 ? parts.join(' ') : 'any candidate';
}
