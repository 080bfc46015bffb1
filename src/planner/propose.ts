import type { ActionSpec } from '../rules/intent.js';
import { snapToGrid } from '../time/grid.js';
import { byEnd, byStart, cmpStr, type Proposal, type UpdateProposal } from './proposal.js';
import type { ScheduleView, ViewShift } from './schedule-view.js';

/**
 * Candidates for an action at event time `now`, best first, before guardrails. The
 * planner walks them in order and keeps the first `maxAgents` that pass. Ties are
 * broken by agent id then shift id, so the order is total and the plan deterministic.
 */
export function propose(action: ActionSpec, view: ScheduleView, now: number, zone: string): Proposal[] {
  switch (action.kind) {
    case 'extend':
      return view
        .teamShifts(action.team)
        .filter((s) => s.end > now && s.end <= now + action.endingWithinMs)
        .sort(byEnd(action.order))
        .map((s) => update(s, { kind: 'set-end', end: s.end + action.byMs }, CHECKS.extend));
    case 'shorten':
      return view
        .teamShifts(action.team)
        .filter((s) => s.start > now && s.start <= now + action.startingWithinMs)
        .sort(byStart(action.order))
        .map((s) =>
          action.trim === 'start'
            ? update(s, { kind: 'set-start', start: s.start + action.byMs }, CHECKS.shorten)
            : update(s, { kind: 'set-end', end: s.end - action.byMs }, CHECKS.shorten),
        );
    case 'pull-forward': {
      const earliest = snapToGrid(now, zone, 15, 'ceil');
      return view
        .teamShifts(action.team)
        .filter((s) => s.start > now && s.start <= now + action.startingWithinMs)
        .sort(byStart(action.order))
        .map((s) => ({ s, start: Math.max(s.start - action.byMs, earliest) }))
        .filter(({ s, start }) => start < s.start)
        .map(({ s, start }) => update(s, { kind: 'set-start', start }, CHECKS.pullForward));
    }
    case 'to-on-queue': {
      const from = snapToGrid(now, zone, 15, 'ceil');
      const to = from + action.withinMs;
      const types: string[] = action.types;
      const found: Array<{ s: ViewShift; first: number; last: number }> = [];
      for (const s of view.teamShifts(action.team)) {
        const hits = s.activities.filter((a) => types.includes(a.type) && a.end > from && a.start < to);
        if (hits.length === 0) continue;
        found.push({
          s,
          first: Math.max(from, Math.min(...hits.map((a) => a.start))),
          last: Math.min(to, Math.max(...hits.map((a) => a.end))),
        });
      }
      found.sort((x, y) =>
        action.order === 'agent-id'
          ? cmpStr(x.s.agentId, y.s.agentId) || x.first - y.first || cmpStr(x.s.id, y.s.id)
          : x.first - y.first || cmpStr(x.s.agentId, y.s.agentId) || cmpStr(x.s.id, y.s.id),
      );
      return found.map(({ s, first, last }) =>
        update(
          s,
          { kind: 'activities-to-on-queue', from: first, to: last, types: [...types].sort() },
          CHECKS.none,
        ),
      );
    }
    case 'swap': {
      const donors = view
        .teamShifts(action.donorTeam)
        .filter((s) => s.start >= now + action.minNoticeMs && s.start <= now + action.startingWithinMs)
        .sort(byStart('starting-soonest'));
      const laters = view
        .teamShifts(action.team)
        .filter((s) => s.start > now + action.startingWithinMs && s.start <= now + action.laterWithinMs)
        .sort(byStart('starting-soonest'));
      const out: Proposal[] = [];
      for (const a of donors) {
        for (const b of laters) {
          if (b.start <= a.start || a.agentId === b.agentId) continue;
          if (Math.abs(b.end - b.start - (a.end - a.start)) > action.maxLengthDifferenceMs) continue;
          out.push({ kind: 'swap', a, b });
        }
      }
      return out;
    }
  }
}

/** Which guardrails each kind of change is checked against; one object per kind, shared by its proposals. */
const CHECKS = {
  extend: { length: true, restBefore: false, restAfter: true, noShorten: false },
  shorten: { length: true, restBefore: false, restAfter: false, noShorten: true },
  pullForward: { length: true, restBefore: true, restAfter: false, noShorten: false },
  none: { length: false, restBefore: false, restAfter: false, noShorten: false },
} as const satisfies Record<string, UpdateProposal['checks']>;

function update(
  shift: ViewShift,
  change: UpdateProposal['change'],
  checks: UpdateProposal['checks'],
): UpdateProposal {
  const newStart = change.kind === 'set-start' ? change.start : shift.start;
  const newEnd = change.kind === 'set-end' ? change.end : shift.end;
  return { kind: 'update', shift, change, newStart, newEnd, checks };
}
