import type { NdjsonItem } from '../events/ndjson.js';
import type { TrunkSample } from '../events/trunk-event.js';
import { ruleInfoFrom, StatusModel, type StatusSnapshot } from '../observability/status-model.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { DryRunReport } from '../planner/dry-run.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { RuleEngine } from '../rules/engine.js';
import { formatLocal } from '../time/local-format.js';
import { subject } from './plan-rows.js';

export const PLAN_PICTURE_DEFAULTS = {
  /** plot resolutions to choose from, ms of event time per point: the finest that fits */
  bucketSteps: [1, 2, 5, 10, 15, 30, 60, 120, 360, 1440].map((minutes) => minutes * 60_000),
  /** points per trunk group at most (a day at one minute) */
  maxPoints: 1440,
  /** trunk groups drawn at most, in the order their first sample came */
  maxGroups: 200,
  /** firing periods kept per rule and scope key */
  maxPeriods: 10_000,
} as const;

/** An adjustment marked in time on its trunk group's plot. */
export interface PlanMark {
  key: string;
  ruleId: string;
  /** event time of the trigger, epoch ms */
  at: number;
  /** hover text: when, what, and the reason, times in the business unit's zone with UTC beside */
  text: string;
}

type Group = StatusSnapshot['groups'][number];

/** What the report's plots draw: the status page's snapshot shape over the whole file, plus the plan's marks. */
export interface PlanPicture {
  zone: string;
  /** the first and the last event time in the file, epoch ms (null without a readable event) */
  span: { from: number; to: number } | null;
  bucketMs: number;
  /** the newest event time evaluated, epoch ms: where a period still firing at the end is drawn to */
  eventTime: number | null;
  groups: Array<Group & { marks: PlanMark[] }>;
}

interface Members {
  trunks: Set<string>;
  sites: Set<string>;
  regions: Set<string>;
}

/**
 * The plan as the status page would have drawn it had it watched the whole file: utilization
 * per trunk group against each rule's thresholds, the periods each rule fired, and each
 * planned adjustment marked at its trigger's event time in the groups its scope covers.
 *
 * The firing periods come from a rules engine of their own fed the same events in the same
 * order as the dry run's (the engine reads no clock, so it fires exactly as that one did);
 * `events` is called twice: once to choose the plot's resolution from the minutes that
 * have samples, once to draw.
 */
export async function planPicture(
  rules: CompiledRuleSet,
  events: () => AsyncIterable<NdjsonItem>,
  plan: DryRunReport,
  zone: string,
): Promise<PlanPicture> {
  const d = PLAN_PICTURE_DEFAULTS;
  const minutes = new Set<number>();
  let span: PlanPicture['span'] = null;
  for await (const item of events()) {
    if (!item.ok) continue;
    const t = item.sample.time;
    minutes.add(Math.floor(t / 60_000));
    span = span === null ? { from: t, to: t } : { from: Math.min(span.from, t), to: Math.max(span.to, t) };
  }
  const bucketMs =
    d.bucketSteps.find((b) => (minutes.size * 60_000) / b <= d.maxPoints) ?? d.bucketSteps.at(-1)!;

  const model = new StatusModel({
    rules: ruleInfoFrom(rules),
    zone,
    bucketMs,
    // the whole file, however long: the model keeps only what falls within its horizon
    horizonMs: Number.MAX_SAFE_INTEGER,
    maxGroups: d.maxGroups,
    maxPeriods: d.maxPeriods,
  });
  const members = new Map<string, Members>();
  const engine = new RuleEngine(rules, { onTransition: (t) => model.transition(t) });
  for await (const item of events()) {
    if (!item.ok) continue;
    if (engine.evaluate(item.sample).rejected) continue;
    model.sample(item.sample);
    note(members, item.sample);
  }
  engine.flush();

  const snap = model.snapshot();
  const notes = new Map(plan.notes.map((n) => [n.key, n.note]));
  const groups = snap.groups.map((g) => ({
    ...g,
    marks: plan.adjustments
      .filter((a) => covers(a, g, members.get(g.name)))
      .map((a) => mark(a, notes.get(a.key), zone)),
  }));
  return { zone, span, bucketMs, eventTime: snap.eventTime, groups };
}

function note(members: Map<string, Members>, s: TrunkSample): void {
  let m = members.get(s.trunkGroup);
  if (m === undefined) {
    m = { trunks: new Set(), sites: new Set(), regions: new Set() };
    members.set(s.trunkGroup, m);
  }
  m.trunks.add(s.trunkId);
  m.sites.add(s.site);
  m.regions.add(s.region);
}

/** Whether an adjustment's trigger scope lies in (or spans) a trunk group: where the status page draws its rule's firing. */
function covers(a: Adjustment, g: Group, m: Members | undefined): boolean {
  if (!g.rules.some((r) => r.id === a.ruleId)) return false;
  const { kind, value } = a.reason.scope;
  switch (kind) {
    case 'trunkGroup':
      return value === g.name;
    case 'trunk':
      return m?.trunks.has(value) ?? false;
    case 'site':
      return m?.sites.has(value) ?? false;
    case 'region':
      return m?.regions.has(value) ?? false;
    default:
      return true;
  }
}

function mark(a: Adjustment, note: string | undefined, zone: string): PlanMark {
  const at = Date.parse(a.createdAt);
  const lines = [`${formatLocal(at, zone)} · ${a.action} ${subject(a)}`, a.reason.text];
  if (note) lines.push(note);
  return { key: a.key, ruleId: a.ruleId, at, text: lines.join('\n') };
}
