import { formatDuration, parseDuration } from './duration.js';
import type { Aggregate, ConditionInput, Metric } from './schema.js';
import type { SlidingWindow } from './sliding-window.js';

/**
 * Conditions compile to closures over a scope's windows: no interpretation of the
 * rules file at evaluation time, no eval. Each leaf closure is specialised for its
 * aggregate and operator so the hot path is a load, a compare and a return.
 */
export type Predicate = (windows: readonly SlidingWindow[]) => boolean;

export type Op = 'above' | 'below' | 'atLeast' | 'atMost';

export const OP_SYMBOL: Record<Op, string> = { above: '>', below: '<', atLeast: '>=', atMost: '<=' };

/** A comparison after compilation: which window slot it reads and what it compares. */
export interface Leaf {
  kind: 'leaf';
  metric: Metric;
  aggregate: Aggregate;
  windowMs: number;
  slot: number;
  op: Op;
  threshold: number;
  clear: number;
}

export type ConditionNode =
  | Leaf
  | { kind: 'all'; children: ConditionNode[] }
  | { kind: 'any'; children: ConditionNode[] }
  | { kind: 'not'; child: ConditionNode };

/** Builds the node tree; `slotFor` hands out the window slot for (metric, window). */
export function buildCondition(
  c: ConditionInput,
  slotFor: (metric: Metric, windowMs: number, aggregate: Aggregate) => number,
): ConditionNode {
  if (c.all) return { kind: 'all', children: c.all.map((x) => buildCondition(x, slotFor)) };
  if (c.any) return { kind: 'any', children: c.any.map((x) => buildCondition(x, slotFor)) };
  if (c.not) return { kind: 'not', child: buildCondition(c.not, slotFor) };
  const op: Op =
    c.above !== undefined
      ? 'above'
      : c.below !== undefined
        ? 'below'
        : c.atLeast !== undefined
          ? 'atLeast'
          : 'atMost';
  const threshold = c[op]!;
  const windowMs = parseDuration(c.window!)!;
  return {
    kind: 'leaf',
    metric: c.metric!,
    aggregate: c.aggregate!,
    windowMs,
    slot: slotFor(c.metric!, windowMs, c.aggregate!),
    op,
    threshold,
    clear: c.clear ?? threshold,
  };
}

/** The firing predicate (thresholds) or the holding one (clear values, for hysteresis). */
export function compilePredicate(node: ConditionNode, useClear: boolean): Predicate {
  switch (node.kind) {
    case 'leaf':
      return compileLeaf(node.slot, node.aggregate, node.op, useClear ? node.clear : node.threshold);
    case 'not': {
      const p = compilePredicate(node.child, useClear);
      return (ws) => !p(ws);
    }
    case 'all': {
      const ps = node.children.map((c) => compilePredicate(c, useClear));
      if (ps.length === 1) return ps[0]!;
      if (ps.length === 2) {
        const [a, b] = ps as [Predicate, Predicate];
        return (ws) => a(ws) && b(ws);
      }
      return (ws) => {
        for (let i = 0; i < ps.length; i++) if (!ps[i]!(ws)) return false;
        return true;
      };
    }
    case 'any': {
      const ps = node.children.map((c) => compilePredicate(c, useClear));
      if (ps.length === 1) return ps[0]!;
      if (ps.length === 2) {
        const [a, b] = ps as [Predicate, Predicate];
        return (ws) => a(ws) || b(ws);
      }
      return (ws) => {
        for (let i = 0; i < ps.length; i++) if (ps[i]!(ws)) return true;
        return false;
      };
    }
  }
}

/* Written out per aggregate and operator so each leaf is one direct method call and one compare. */
function compileLeaf(slot: number, aggregate: Aggregate, op: Op, t: number): Predicate {
  switch (aggregate) {
    case 'avg':
      if (op === 'above') return (ws) => ws[slot]!.avg() > t;
      if (op === 'below') return (ws) => ws[slot]!.avg() < t;
      if (op === 'atLeast') return (ws) => ws[slot]!.avg() >= t;
      return (ws) => ws[slot]!.avg() <= t;
    case 'max':
      if (op === 'above') return (ws) => ws[slot]!.max() > t;
      if (op === 'below') return (ws) => ws[slot]!.max() < t;
      if (op === 'atLeast') return (ws) => ws[slot]!.max() >= t;
      return (ws) => ws[slot]!.max() <= t;
    case 'min':
      if (op === 'above') return (ws) => ws[slot]!.min() > t;
      if (op === 'below') return (ws) => ws[slot]!.min() < t;
      if (op === 'atLeast') return (ws) => ws[slot]!.min() >= t;
      return (ws) => ws[slot]!.min() <= t;
    case 'p95':
      if (op === 'above') return (ws) => ws[slot]!.p95() > t;
      if (op === 'below') return (ws) => ws[slot]!.p95() < t;
      if (op === 'atLeast') return (ws) => ws[slot]!.p95() >= t;
      return (ws) => ws[slot]!.p95() <= t;
    case 'last':
      if (op === 'above') return (ws) => ws[slot]!.last() > t;
      if (op === 'below') return (ws) => ws[slot]!.last() < t;
      if (op === 'atLeast') return (ws) => ws[slot]!.last() >= t;
      return (ws) => ws[slot]!.last() <= t;
  }
}

export const READERS: Record<Aggregate, (w: SlidingWindow) => number> = {
  avg: (w) => w.avg(),
  max: (w) => w.max(),
  min: (w) => w.min(),
  p95: (w) => w.p95(),
  last: (w) => w.last(),
};

/** What made a rule fire, for the adjustment's reason. */
export interface Evidence {
  metric: Metric;
  aggregate: Aggregate;
  window: string;
  op: Op;
  threshold: number;
  value: number;
}

/**
 * The first comparison (depth first, outside any `not`) that is true now; failing that,
 * the first comparison at all. Runs only when a rule acts, never on the hot path.
 */
export function evidenceOf(node: ConditionNode, ws: readonly SlidingWindow[]): Evidence {
  return firstTrue(node, ws, false) ?? firstLeaf(node, ws);
}

function leafEvidence(l: Leaf, ws: readonly SlidingWindow[]): Evidence {
  return {
    metric: l.metric,
    aggregate: l.aggregate,
    window: formatDuration(l.windowMs),
    op: l.op,
    threshold: l.threshold,
    value: READERS[l.aggregate](ws[l.slot]!),
  };
}

function firstTrue(node: ConditionNode, ws: readonly SlidingWindow[], negated: boolean): Evidence | null {
  switch (node.kind) {
    case 'leaf': {
      if (negated) return null;
      const holds = compileLeaf(node.slot, node.aggregate, node.op, node.threshold)(ws);
      return holds ? leafEvidence(node, ws) : null;
    }
    case 'not':
      return firstTrue(node.child, ws, !negated);
    default:
      for (const c of node.children) {
        const e = firstTrue(c, ws, negated);
        if (e) return e;
      }
      return null;
  }
}

function firstLeaf(node: ConditionNode, ws: readonly SlidingWindow[]): Evidence {
  switch (node.kind) {
    case 'leaf':
      return leafEvidence(node, ws);
    case 'not':
      return firstLeaf(node.child, ws);
    default:
      return firstLeaf(node.children[0]!, ws);
  }
}
