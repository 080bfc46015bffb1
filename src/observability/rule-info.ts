import type { TrunkSample } from '../events/trunk-event.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { formatDuration } from '../rules/duration.js';
import { type ConditionNode, type Leaf, OP_SYMBOL } from '../rules/predicate.js';
import type { ScopeBy } from '../rules/schema.js';

/** One comparison of a rule's condition, as the page draws it (utilization ones as lines). */
export interface ThresholdLine {
  metric: string;
  aggregate: string;
  window: string;
  op: string;
  value: number;
  /** where the condition lets go again (hysteresis); equals `value` without one */
  clear: number;
}

/** What the status page needs to know of a rule. */
export interface RuleInfo {
  id: string;
  scopeBy: ScopeBy;
  /** the condition in words: "avg 5m utilization > 0.85 (clear 0.75)" */
  condition: string;
  thresholds: ThresholdLine[];
  /** whether the rule sees this trunk's samples (its scope's `where`); all trunks when absent */
  appliesTo?: (s: TrunkSample) => boolean;
}

/** The page's view of the compiled rules: thresholds from the condition leaves. */
export function ruleInfoFrom(rules: CompiledRuleSet): RuleInfo[] {
  return rules.rules.map((r) => ({
    id: r.id,
    scopeBy: r.series.by,
    condition: describe(r.condition),
    thresholds: leaves(r.condition).map((l) => ({
      metric: l.metric,
      aggregate: l.aggregate,
      window: formatDuration(l.windowMs),
      op: OP_SYMBOL[l.op],
      value: l.threshold,
      clear: l.clear,
    })),
    appliesTo: (s) => r.series.matches(s),
  }));
}

function leaves(n: ConditionNode): Leaf[] {
  if (n.kind === 'leaf') return [n];
  if (n.kind === 'not') return leaves(n.child);
  return n.children.flatMap(leaves);
}

function describe(n: ConditionNode): string {
  switch (n.kind) {
    case 'leaf': {
      const clear = n.clear !== n.threshold ? ` (clear ${n.clear})` : '';
      return `${n.aggregate} ${formatDuration(n.windowMs)} ${n.metric} ${OP_SYMBOL[n.op]} ${n.threshold}${clear}`;
    }
    case 'not':
      return `not (${describe(n.child)})`;
    case 'all':
    case 'any':
      return n.children
        .map((c) => (c.kind === 'leaf' ? describe(c) : `(${describe(c)})`))
        .join(` ${n.kind === 'all' ? 'and' : 'or'} `);
  }
}
