import type { ResolvedGuardrails } from './guardrail-defaults.js';
import type { Evidence } from './predicate.js';
import type { ScopeBy } from './schema.js';

/** A rule's action with durations in milliseconds; what the planner resolves against the schedule. */
export type ActionSpec =
  | {
      kind: 'extend';
      team: string;
      byMs: number;
      endingWithinMs: number;
      maxAgents: number;
      order: 'ending-soonest' | 'ending-latest' | 'agent-id';
    }
  | {
      kind: 'shorten';
      team: string;
      byMs: number;
      trim: 'start' | 'end';
      startingWithinMs: number;
      maxAgents: number;
      order: 'starting-soonest' | 'starting-latest' | 'agent-id';
    }
  | {
      kind: 'pull-forward';
      team: string;
      byMs: number;
      startingWithinMs: number;
      maxAgents: number;
      order: 'starting-soonest' | 'starting-latest' | 'agent-id';
    }
  | {
      kind: 'to-on-queue';
      team: string;
      withinMs: number;
      types: Array<'training' | 'meeting' | 'coaching' | 'off-queue'>;
      maxAgents: number;
      order: 'activity-soonest' | 'agent-id';
    }
  | {
      kind: 'swap';
      team: string;
      donorTeam: string;
      startingWithinMs: number;
      minNoticeMs: number;
      laterWithinMs: number;
      maxLengthDifferenceMs: number;
      maxPairs: number;
    };

/**
 * What the engine hands the planner when a rule acts: which rule, for which scope,
 * when (event time), why (evidence) and what to do. Everything here is a function of
 * the events, so replaying the same events yields the same intents.
 */
export interface Intent {
  ruleId: string;
  /** position of the rule in its file: intents of one event are ordered by it */
  ruleIndex: number;
  scope: { kind: ScopeBy; value: string };
  /** event time of the sample that made the rule act (epoch ms) */
  eventTime: number;
  /** event time the rule started firing (epoch ms); equals eventTime unless it waited out a cooldown */
  firingSince: number;
  /** 0 for the first intent of a firing, 1, 2… for `repeatEvery` repeats */
  repeat: number;
  evidence: Evidence;
  /** the rule's `for`, for the reason text */
  forMs: number;
  action: ActionSpec;
  guardrails: ResolvedGuardrails;
}
