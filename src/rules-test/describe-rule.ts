import type { CompiledRule } from '../rules/compile.js';
import { formatDuration } from '../rules/duration.js';
import { type ConditionNode, OP_SYMBOL } from '../rules/predicate.js';
import type { Rule } from '../rules/schema.js';

/**
 * What makes a rule fire, in one line, for a failing expectation: "avg utilization over 5m
 * > 0.85 (firing until ≤ 0.75) for 3m, keepFiringFor 2m; during mon-fri 08:00–20:00".
 */
export function describeRule(compiled: CompiledRule, rule: Rule): string {
  const parts = [describeCondition(compiled.condition)];
  if (compiled.forMs > 0) parts[0] += ` for ${formatDuration(compiled.forMs)}`;
  if (compiled.keepFiringForMs > 0) parts.push(`keepFiringFor ${formatDuration(compiled.keepFiringForMs)}`);
  const text = parts.join(', ');
  const during = duringText(rule);
  return during ? `${text}; during ${during}` : text;
}

/** "mon-fri 08:00–20:00", the windows a rule runs in; undefined for a rule without `during`. */
export function duringText(rule: Rule): string | undefined {
  if (!rule.during) return undefined;
  const windows = rule.during.windows.map((w) => `${w.days ? `${w.days.join(',')} ` : ''}${w.from}–${w.to}`);
  return `${windows.join(' and ')}${rule.during.zone ? ` ${rule.during.zone}` : ''}`;
}

const LOOSE: Record<string, string> = { above: '≤', atLeast: '<', below: '≥', atMost: '>' };

function describeCondition(node: ConditionNode): string {
  switch (node.kind) {
    case 'leaf': {
      const clear = node.clear !== node.threshold ? ` (firing until ${LOOSE[node.op]} ${node.clear})` : '';
      return `${node.aggregate} ${node.metric} over ${formatDuration(node.windowMs)} ${OP_SYMBOL[node.op]} ${node.threshold}${clear}`;
    }
    case 'not':
      return `not (${describeCondition(node.child)})`;
    case 'all':
      return node.children.map((c) => wrap(c)).join(' and ');
    case 'any':
      return node.children.map((c) => wrap(c)).join(' or ');
  }
}

function wrap(node: ConditionNode): string {
  const text = describeCondition(node);
  return node.kind === 'all' || node.kind === 'any' ? `(${text})` : text;
}
