import { formatDuration } from '../rules/duration.js';
import type { Intent } from '../rules/intent.js';
import { toWire } from '../time/instant.js';
import { formatLocal, formatLocalSpan } from '../time/local-format.js';
import type { Adjustment, ShiftMutation } from './adjustment.js';
import type { CapCounters } from './cap-counters.js';
import {
  type BusinessUnitCalendar,
  capKeys,
  checkAgentCaps,
  checkLength,
  checkNoShorten,
  checkRest,
  checkTeamHour,
  type GuardrailName,
  teamHourRefuses,
  type Violation,
} from './guardrails.js';
import { idempotencyKey } from './idempotency-key.js';
import type { Overlay } from './overlay.js';
import type { Proposal, SwapProposal, UpdateProposal } from './proposal.js';
import { propose } from './propose.js';
import { reasonFor, triggerText } from './reason.js';
import type { ScheduleView } from './schedule-view.js';

/** A candidate the planner passed over, and why: what `plan` shows next to the adjustments. */
export interface Skip {
  ruleId: string;
  eventTime: string;
  shiftIds: string[];
  agentIds: string[];
  guardrail: GuardrailName | 'noCandidates';
  detail: string;
}

export interface Resolution {
  adjustments: Adjustment[];
  skipped: Skip[];
}

/** At most this many skips are reported per intent; a swap can have many refused pairs. */
const MAX_SKIPS_PER_INTENT = 25;

const ACTION_NAME = {
  extend: 'extend',
  shorten: 'shorten',
  'pull-forward': 'pull-forward',
  'to-on-queue': 'to-on-queue',
  swap: 'swap',
} as const;

/**
 * Resolves one intent against the schedule view into adjustments. Deterministic: the
 * result depends on the intent (event time, evidence, action), the view, the cap
 * counters and nothing else. Accepted changes are recorded in `counters` and `overlay`
 * (the planner's state) so the next candidate — and the next intent — sees them.
 */
export function resolveIntent(
  intent: Intent,
  view: ScheduleView,
  counters: CapCounters,
  overlay: Overlay,
  bu: BusinessUnitCalendar,
): Resolution {
  const now = intent.eventTime;
  const a = intent.action;
  const max = a.kind === 'swap' ? a.maxPairs : a.maxAgents;
  const proposals = propose(a, view, now, bu.zone);
  const adjustments: Adjustment[] = [];
  const skipped: Skip[] = [];
  const usedAgents = new Set<string>();
  const usedShifts = new Set<string>();
  const skip = (p: Proposal, v: Violation) => {
    if (skipped.length >= MAX_SKIPS_PER_INTENT) return;
    const shifts = p.kind === 'swap' ? [p.a, p.b] : [p.shift];
    skipped.push({
      ruleId: intent.ruleId,
      eventTime: toWire(now),
      shiftIds: shifts.map((s) => s.id),
      agentIds: shifts.map((s) => s.agentId),
      guardrail: v.guardrail,
      detail: v.detail,
    });
  };

  for (const p of proposals) {
    if (adjustments.length >= max) break;
    const shifts = p.kind === 'swap' ? [p.a, p.b] : [p.shift];
    if (shifts.some((s) => usedShifts.has(s.id) || usedAgents.has(s.agentId))) continue;
    // once no more skips are reported only pass or fail matters, and a full team hour fails a
    // candidate whatever the other guardrails say: most of a surge's candidates end here
    if (skipped.length >= MAX_SKIPS_PER_INTENT && teamHourFull(p, counters, now, intent)) continue;
    const v =
      p.kind === 'swap'
        ? checkSwap(p, view, counters, bu, now, intent)
        : checkUpdate(p, view, counters, bu, now, intent);
    if (v) {
      skip(p, v);
      continue;
    }
    for (const s of shifts) {
      usedShifts.add(s.id);
      usedAgents.add(s.agentId);
    }
    adjustments.push(
      p.kind === 'swap'
        ? acceptSwap(p, intent, view, counters, overlay, bu)
        : acceptUpdate(p, intent, view, counters, overlay, bu),
    );
  }
  if (proposals.length === 0) {
    skipped.push({
      ruleId: intent.ruleId,
      eventTime: toWire(now),
      shiftIds: [],
      agentIds: [],
      guardrail: 'noCandidates',
      detail: `${triggerText(intent, bu.zone)}: ${noCandidateText(intent)}`,
    });
  }
  return { adjustments, skipped };
}

/** Whether the team-hour cap alone refuses the candidate (checkTeamHour for each of its shifts, as checkUpdate and checkSwap make it). */
function teamHourFull(p: Proposal, counters: CapCounters, now: number, intent: Intent): boolean {
  const g = intent.guardrails;
  if (p.kind === 'swap')
    return (
      teamHourRefuses(counters, p.b.teamId, [p.b.agentId], now, g) ||
      teamHourRefuses(counters, p.a.teamId, [p.a.agentId], now, g)
    );
  return teamHourRefuses(counters, p.shift.teamId, [p.shift.agentId], now, g);
}

function checkUpdate(
  p: UpdateProposal,
  view: ScheduleView,
  counters: CapCounters,
  bu: BusinessUnitCalendar,
  now: number,
  intent: Intent,
): Violation | null {
  const g = intent.guardrails;
  const s = p.shift;
  return (
    (p.checks.noShorten ? checkNoShorten(s, now, g, bu.zone) : null) ??
    (p.checks.length ? checkLength(s.id, p.newStart, p.newEnd, g) : null) ??
    (p.checks.restBefore || p.checks.restAfter
      ? checkRest(view, s.agentId, new Set([s.id]), p.newStart, p.newEnd, g, {
          before: p.checks.restBefore,
          after: p.checks.restAfter,
        })
      : null) ??
    checkAgentCaps(counters, s.agentId, capKeys(view, bu, s.agentId, s), g) ??
    checkTeamHour(counters, s.teamId, [s.agentId], now, g, bu.zone)
  );
}

function checkSwap(
  p: SwapProposal,
  view: ScheduleView,
  counters: CapCounters,
  bu: BusinessUnitCalendar,
  now: number,
  intent: Intent,
): Violation | null {
  const g = intent.guardrails;
  const { a, b } = p;
  const both = { before: true, after: true };
  // after the swap: b's agent works a, a's agent works b
  return (
    checkRest(view, b.agentId, new Set([b.id]), a.start, a.end, g, both) ??
    checkRest(view, a.agentId, new Set([a.id]), b.start, b.end, g, both) ??
    checkAgentCaps(counters, b.agentId, capKeys(view, bu, b.agentId, a), g) ??
    checkAgentCaps(counters, a.agentId, capKeys(view, bu, a.agentId, b), g) ??
    checkTeamHour(counters, b.teamId, [b.agentId], now, g, bu.zone) ??
    checkTeamHour(counters, a.teamId, [a.agentId], now, g, bu.zone)
  );
}

function acceptUpdate(
  p: UpdateProposal,
  intent: Intent,
  view: ScheduleView,
  counters: CapCounters,
  overlay: Overlay,
  bu: BusinessUnitCalendar,
): Adjustment {
  const s = p.shift;
  const c = p.change;
  let mutation: ShiftMutation;
  let what: string;
  switch (c.kind) {
    case 'set-end':
      mutation = { kind: 'set-end', end: toWire(c.end) };
      what = `${c.end > s.end ? 'extend' : 'shorten'} shift ${s.id} of agent ${s.agentId} by ${formatDuration(Math.abs(c.end - s.end))}: end ${formatLocalSpan(s.end, c.end, bu.zone, ' → ')}`;
      overlay.record(s.id, { end: c.end }, s.end);
      break;
    case 'set-start':
      mutation = { kind: 'set-start', start: toWire(c.start) };
      what = `${c.start < s.start ? 'start' : 'delay'} shift ${s.id} of agent ${s.agentId} ${formatDuration(Math.abs(c.start - s.start))} ${c.start < s.start ? 'earlier' : 'later'}: start ${formatLocalSpan(s.start, c.start, bu.zone, ' → ')}`;
      overlay.record(s.id, { start: c.start }, s.end);
      break;
    case 'activities-to-on-queue':
      mutation = {
        kind: 'activities-to-on-queue',
        from: toWire(c.from),
        to: toWire(c.to),
        types: c.types as Array<'training' | 'meeting' | 'coaching' | 'off-queue'>,
      };
      what = `turn ${c.types.join(', ')} of shift ${s.id} (agent ${s.agentId}) in ${formatLocalSpan(c.from, c.to, bu.zone)} into on-queue time`;
      overlay.record(s.id, { onQueue: [[c.from, c.to, c.types]] }, s.end);
      break;
  }
  counters.record({
    agentId: s.agentId,
    teamId: s.teamId,
    ...capKeys(view, bu, s.agentId, s),
    at: intent.eventTime,
  });
  return {
    kind: 'update',
    key: idempotencyKey({
      ruleId: intent.ruleId,
      scope: `${intent.scope.kind}:${intent.scope.value}`,
      eventTime: intent.eventTime,
      repeat: intent.repeat,
      action: intent.action.kind,
      shiftIds: [s.id],
    }),
    ruleId: intent.ruleId,
    action: ACTION_NAME[intent.action.kind],
    reason: reasonFor(intent, what, bu.zone),
    createdAt: toWire(intent.eventTime),
    shiftId: s.id,
    agentId: s.agentId,
    teamId: s.teamId,
    mutation,
  };
}

function acceptSwap(
  p: SwapProposal,
  intent: Intent,
  view: ScheduleView,
  counters: CapCounters,
  overlay: Overlay,
  bu: BusinessUnitCalendar,
): Adjustment {
  const { a, b } = p;
  counters.record({
    agentId: b.agentId,
    teamId: b.teamId,
    ...capKeys(view, bu, b.agentId, a),
    at: intent.eventTime,
  });
  counters.record({
    agentId: a.agentId,
    teamId: a.teamId,
    ...capKeys(view, bu, a.agentId, b),
    at: intent.eventTime,
  });
  overlay.record(a.id, { agentId: b.agentId }, a.end);
  overlay.record(b.id, { agentId: a.agentId }, b.end);
  const team = intent.action.kind === 'swap' ? intent.action.team : b.teamId;
  const what = `swap owners: agent ${b.agentId} (team ${b.teamId}) takes shift ${a.id} starting ${formatLocal(a.start, bu.zone)}; agent ${a.agentId} (team ${a.teamId}) takes shift ${b.id} starting ${formatLocal(b.start, bu.zone)}`;
  return {
    kind: 'swap',
    key: idempotencyKey({
      ruleId: intent.ruleId,
      scope: `${intent.scope.kind}:${intent.scope.value}`,
      eventTime: intent.eventTime,
      repeat: intent.repeat,
      action: 'swap',
      shiftIds: [a.id, b.id],
    }),
    ruleId: intent.ruleId,
    action: 'swap',
    reason: reasonFor(intent, what, bu.zone),
    createdAt: toWire(intent.eventTime),
    teamId: team,
    a: { shiftId: a.id, agentId: a.agentId, start: toWire(a.start), end: toWire(a.end) },
    b: { shiftId: b.id, agentId: b.agentId, start: toWire(b.start), end: toWire(b.end) },
  };
}

function noCandidateText(intent: Intent): string {
  const a = intent.action;
  switch (a.kind) {
    case 'extend':
      return `no shift of team ${a.team} ends within ${formatDuration(a.endingWithinMs)}`;
    case 'shorten':
    case 'pull-forward':
      return `no shift of team ${a.team} starts within ${formatDuration(a.startingWithinMs)}`;
    case 'to-on-queue':
      return `no ${a.types.join('/')} activity of team ${a.team} within ${formatDuration(a.withinMs)}`;
    case 'swap':
      return `no donor shift of team ${a.donorTeam} starting within ${formatDuration(a.startingWithinMs)} pairs with a later shift of team ${a.team}`;
  }
}
