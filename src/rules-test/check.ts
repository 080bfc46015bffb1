import type { Adjustment } from '../planner/adjustment.js';
import { triggerText } from '../planner/reason.js';
import type { Skip } from '../planner/resolve-intent.js';
import { formatDuration } from '../rules/duration.js';
import { parseInstant } from '../time/instant.js';
import { describeRule } from './describe-rule.js';
import { bestMatching } from './matching.js';
import type { Phase, Replay } from './replay.js';
import {
  expectationCount,
  type Located,
  type PassedOverSpec,
  type PhaseCheck,
  type PlannedSpec,
  type Scenario,
  type TimeMatch,
  type WindowCheck,
} from './scenario.js';
import { shortTime } from './short-time.js';
import { clockSecondsOf } from './test-time.js';

/** One expectation that did not hold: what was expected, what came, and why the rule did what it did. */
export interface Failure extends Located {
  kind: 'firing' | 'notFiring' | 'planned' | 'passedOver' | 'nothingElse';
  /** e.g. "at 09:25: sg-byoc-surge-extend" or "from 09:00 to 10:00: planned" */
  title: string;
  expected: string;
  got: string[];
  /** the rule's condition, and the reason texts of what the rules and planner did */
  reason: string[];
}

export interface TestResult {
  file: string;
  name: string;
  line: number;
  ok: boolean;
  expectations: number;
  failures: Failure[];
}

/** At most this many adjustments or candidates are listed under one failure. */
const MAX_LISTED = 8;

/** Holds a scenario's expectations against what its replay did. */
export function checkScenario(s: Scenario, r: Replay): TestResult {
  const failures: Failure[] = [];
  for (const c of s.phases) {
    const f = checkPhase(s, r, c);
    if (f) failures.push(f);
  }
  const created = new Map(r.adjustments.map((a) => [a, parseInstant(a.createdAt)]));
  const skippedAt = new Map(r.skipped.map((x) => [x, parseInstant(x.eventTime)]));
  const held = new Map(r.notes.map((n) => [n.key, n.note]));
  for (const w of s.windows) failures.push(...checkWindow(s, r, w, created, skippedAt, held));
  failures.sort((a, b) => a.line - b.line || a.column - b.column);
  return {
    file: s.file,
    name: s.name,
    line: s.where.line,
    ok: failures.length === 0,
    expectations: expectationCount(s),
    failures,
  };
}

function phaseAt(
  list: ReadonlyArray<{ at: number; to: Phase }>,
  t: number,
): { phase: Phase; since: number | null } {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.at <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? { phase: 'inactive', since: null } : { phase: list[lo - 1]!.to, since: list[lo - 1]!.at };
}

function checkPhase(s: Scenario, r: Replay, c: PhaseCheck): Failure | null {
  const byScope = r.phases.get(c.rule)!;
  const scopes = c.scope !== undefined ? [c.scope] : [...byScope.keys()].sort();
  const states = scopes.map((k) => ({ scope: k, ...phaseAt(byScope.get(k) ?? [], c.at) }));
  const firing = states.filter((x) => x.phase === 'firing');
  const ok = c.kind === 'firing' ? firing.length > 0 : firing.length === 0;
  if (ok) return null;
  const spec = s.rules.rules.get(c.rule)!;
  const compiled = spec.compiled!;
  const t = (ms: number) => shortTime(ms, s.zone, s.start);
  const describe = (x: (typeof states)[number]) => {
    const on = scopes.length > 1 || c.scope !== undefined ? `${x.scope}: ` : '';
    if (x.since === null) return `${on}not firing: the condition never held up to ${c.atText}`;
    if (x.phase === 'pending')
      return `${on}not firing: pending since ${t(x.since)} (it fires once the condition has held for ${formatDuration(compiled.forMs)})`;
    if (x.phase === 'inactive') return `${on}not firing: inactive since ${t(x.since)}`;
    return `${on}firing since ${t(x.since)}`;
  };
  const got =
    states.length === 0
      ? [`not firing: the condition never held up to ${c.atText}`]
      : listed((c.kind === 'firing' ? states : firing).map(describe), '');
  const reason = [describeRule(compiled, spec.rule)];
  if (c.kind === 'notFiring') {
    // the evidence of the last time it acted, as plan's reasons give it
    const last = r.intents.filter((i) => i.ruleId === c.rule && i.eventTime <= c.at).at(-1);
    if (last) reason.push(triggerText(last, s.schedule.businessUnit.zone));
  }
  return {
    kind: c.kind,
    ...c.where,
    title: `at ${c.atText}: ${c.rule}${c.scope !== undefined ? ` on ${c.scope}` : ''}`,
    expected: c.kind === 'firing' ? 'firing' : 'not firing',
    got,
    reason,
  };
}

function checkWindow(
  s: Scenario,
  r: Replay,
  w: WindowCheck,
  created: ReadonlyMap<Adjustment, number>,
  skippedAt: ReadonlyMap<Skip, number>,
  held: ReadonlyMap<string, string>,
): Failure[] {
  const inWindow = (t: number) => t >= w.from && t < w.to;
  const adjustments = r.adjustments.filter((a) => inWindow(created.get(a)!));
  const skipped = r.skipped.filter((x) => inWindow(skippedAt.get(x)!));
  const title = `from ${w.fromText} to ${w.toText}`;
  const failures: Failure[] = [];
  const planned = bestMatching(w.planned, adjustments, (e, a) => plannedMatches(e.spec, a, held, s.zone));
  const passed = bestMatching(w.passedOver, skipped, (e, x) => passedOverMatches(e.spec, x));
  const t = (ms: number) => shortTime(ms, s.zone, s.start);
  const adjustmentLine = (a: Adjustment) => describeAdjustment(a, held, t, created.get(a)!);
  const skipLine = (x: Skip) =>
    `${x.ruleId} passed over ${x.shiftIds.join(' ⇄ ') || 'nothing'} by ${x.guardrail} at ${t(skippedAt.get(x)!)}: ${x.detail}`;

  for (const [i, e] of w.planned.entries()) {
    if (planned.left[i] !== undefined) continue;
    const same =
      e.spec.rule !== undefined ? adjustments.filter((a) => a.ruleId === e.spec.rule) : adjustments;
    const got = listed(
      closestFirst(adjustments, (a) => plannedLikeness(e.spec, a)).map(adjustmentLine),
      `nothing planned from ${w.fromText} to ${w.toText}`,
    );
    const reason = reasonsFor(s, r, e.spec.rule, same, w);
    failures.push({
      kind: 'planned',
      ...e.where,
      title: `${title}: planned`,
      expected: e.spec.text,
      got,
      reason,
    });
  }
  for (const [i, e] of w.passedOver.entries()) {
    if (passed.left[i] !== undefined) continue;
    failures.push({
      kind: 'passedOver',
      ...e.where,
      title: `${title}: passed over`,
      expected: e.spec.text,
      got: listed(
        closestFirst(skipped, (x) => passedOverLikeness(e.spec, x)).map(skipLine),
        `nothing passed over from ${w.fromText} to ${w.toText}`,
      ),
      reason: reasonsFor(s, r, e.spec.rule, [], w),
    });
  }
  if (w.nothingElse) {
    const extra = [
      ...adjustments
        .filter((_, j) => planned.right[j] === undefined)
        .map((a) => `planned: ${adjustmentLine(a)}`),
      ...skipped.filter((_, j) => passed.right[j] === undefined).map((x) => `passed over: ${skipLine(x)}`),
    ];
    if (extra.length > 0) {
      const unexpected = adjustments.filter((_, j) => planned.right[j] === undefined);
      failures.push({
        kind: 'nothingElse',
        ...w.nothingElse,
        title: `${title}: nothing else`,
        expected: `nothing beyond the ${w.planned.length + w.passedOver.length} listed`,
        got: listed(extra, ''),
        reason: unexpected.slice(0, MAX_LISTED).map((a) => a.reason.text),
      });
    }
  }
  return failures;
}

/** Why the rules and planner did what they did in the window: the rule's condition and its reason texts. */
function reasonsFor(
  s: Scenario,
  r: Replay,
  rule: string | undefined,
  made: readonly Adjustment[],
  w: WindowCheck,
): string[] {
  const out: string[] = [];
  if (rule !== undefined) {
    const spec = s.rules.rules.get(rule)!;
    out.push(describeRule(spec.compiled!, spec.rule));
    const acted = r.intents.filter((i) => i.ruleId === rule && i.eventTime >= w.from && i.eventTime < w.to);
    if (acted.length === 0) out.push(`${rule} did not act from ${w.fromText} to ${w.toText}`);
  }
  out.push(...made.slice(0, MAX_LISTED).map((a) => a.reason.text));
  return out;
}

/** The items most like the expectation first (stable otherwise), so the near miss is read first. */
function closestFirst<T>(items: readonly T[], likeness: (x: T) => number): T[] {
  return items
    .map((x, i) => ({ x, i, n: likeness(x) }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((y) => y.x);
}

function plannedLikeness(e: PlannedSpec, a: Adjustment): number {
  const shift = a.kind === 'swap' ? a.a.shiftId : a.shiftId;
  const agent = a.kind === 'swap' ? a.a.agentId : a.agentId;
  return (
    Number(e.rule === a.ruleId) * 4 +
    Number(e.shift === shift) * 2 +
    Number(e.agent === agent) +
    Number(e.action === a.action)
  );
}

function passedOverLikeness(e: PassedOverSpec, x: Skip): number {
  return (
    Number(e.rule === x.ruleId) * 4 +
    Number(e.shift !== undefined && x.shiftIds.includes(e.shift)) * 2 +
    Number(e.guardrail === x.guardrail)
  );
}

function listed(lines: string[], none: string): string[] {
  if (lines.length === 0) return none ? [none] : [];
  if (lines.length <= MAX_LISTED) return lines;
  return [...lines.slice(0, MAX_LISTED), `… and ${lines.length - MAX_LISTED} more`];
}

function describeAdjustment(
  a: Adjustment,
  held: ReadonlyMap<string, string>,
  t: (ms: number) => string,
  at: number,
): string {
  const hm = (iso: string) => t(parseInstant(iso));
  let what: string;
  if (a.kind === 'swap') {
    what = `${a.a.shiftId} / ${a.a.agentId} with ${a.b.shiftId} / ${a.b.agentId}`;
  } else {
    const m = a.mutation;
    const change =
      m.kind === 'set-end'
        ? `end → ${hm(m.end)}`
        : m.kind === 'set-start'
          ? `start → ${hm(m.start)}`
          : `on-queue ${hm(m.from)}–${hm(m.to)}`;
    what = `${a.shiftId} / ${a.agentId} ${change}`;
  }
  const note = held.has(a.key) ? ', held by the publish window' : '';
  return `${a.ruleId} ${a.action} ${what} at ${t(at)}${note}`;
}

function timeIs(m: TimeMatch, iso: string, zone: string): boolean {
  const ms = parseInstant(iso);
  return 'clock' in m ? clockSecondsOf(ms, zone) === m.clock : m.ms === ms;
}

function plannedMatches(
  e: PlannedSpec,
  a: Adjustment,
  held: ReadonlyMap<string, string>,
  zone: string,
): boolean {
  if (e.rule !== undefined && a.ruleId !== e.rule) return false;
  if (e.action !== undefined && a.action !== e.action) return false;
  if (e.held !== undefined && held.has(a.key) !== e.held) return false;
  if (a.kind === 'swap') {
    if (e.shift !== undefined && a.a.shiftId !== e.shift) return false;
    if (e.agent !== undefined && a.a.agentId !== e.agent) return false;
    if (e.with !== undefined && a.b.shiftId !== e.with) return false;
    return e.start === undefined && e.end === undefined && e.onQueue === undefined;
  }
  if (e.shift !== undefined && a.shiftId !== e.shift) return false;
  if (e.agent !== undefined && a.agentId !== e.agent) return false;
  if (e.with !== undefined) return false;
  const m = a.mutation;
  if (e.start !== undefined && !(m.kind === 'set-start' && timeIs(e.start, m.start, zone))) return false;
  if (e.end !== undefined && !(m.kind === 'set-end' && timeIs(e.end, m.end, zone))) return false;
  if (
    e.onQueue !== undefined &&
    !(
      m.kind === 'activities-to-on-queue' &&
      timeIs(e.onQueue[0], m.from, zone) &&
      timeIs(e.onQueue[1], m.to, zone)
    )
  )
    return false;
  return true;
}

function passedOverMatches(e: PassedOverSpec, x: Skip): boolean {
  if (e.rule !== undefined && x.ruleId !== e.rule) return false;
  if (e.guardrail !== undefined && x.guardrail !== e.guardrail) return false;
  if (e.shift !== undefined && !x.shiftIds.includes(e.shift)) return false;
  if (e.agent !== undefined && !x.agentIds.includes(e.agent)) return false;
  return true;
}
