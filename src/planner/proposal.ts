import type { ViewShift } from './schedule-view.js';

/** A change to one shift, before guardrails; times in epoch ms. */
export interface UpdateProposal {
  kind: 'update';
  shift: ViewShift;
  change:
    | { kind: 'set-end'; end: number }
    | { kind: 'set-start'; start: number }
    | { kind: 'activities-to-on-queue'; from: number; to: number; types: string[] };
  newStart: number;
  newEnd: number;
  /** which guardrails apply (shared between proposals: read only) */
  checks: Readonly<{ length: boolean; restBefore: boolean; restAfter: boolean; noShorten: boolean }>;
}

/** An exchange of owners: `a` (starting now, donor's) goes to b's agent, `b` (later) to a's agent. */
export interface SwapProposal {
  kind: 'swap';
  a: ViewShift;
  b: ViewShift;
}

export type Proposal = UpdateProposal | SwapProposal;

export function byStart(order: 'starting-soonest' | 'starting-latest' | 'agent-id') {
  return (x: ViewShift, y: ViewShift): number => {
    if (order === 'agent-id') return cmpStr(x.agentId, y.agentId) || x.start - y.start || cmpStr(x.id, y.id);
    const d = order === 'starting-soonest' ? x.start - y.start : y.start - x.start;
    return d || cmpStr(x.agentId, y.agentId) || cmpStr(x.id, y.id);
  };
}

export function byEnd(order: 'ending-soonest' | 'ending-latest' | 'agent-id') {
  return (x: ViewShift, y: ViewShift): number => {
    if (order === 'agent-id') return cmpStr(x.agentId, y.agentId) || x.end - y.end || cmpStr(x.id, y.id);
    const d = order === 'ending-soonest' ? x.end - y.end : y.end - x.end;
    return d || cmpStr(x.agentId, y.agentId) || cmpStr(x.id, y.id);
  };
}

export function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
