import { z } from 'zod';
import { durationWithin } from './schema-scalars.js';

export const Metric = z
  .enum(['utilization', 'activeCalls', 'capacity'])
  .describe('utilization = activeCalls / capacity of the scope; activeCalls and capacity are summed over it');
export type Metric = z.infer<typeof Metric>;

export const Aggregate = z.enum(['avg', 'max', 'min', 'p95', 'last']);
export type Aggregate = z.infer<typeof Aggregate>;

const ComparisonKeys = ['above', 'below', 'atLeast', 'atMost'] as const;

export interface ConditionInput {
  all?: ConditionInput[] | undefined;
  any?: ConditionInput[] | undefined;
  not?: ConditionInput | undefined;
  metric?: Metric | undefined;
  aggregate?: Aggregate | undefined;
  window?: string | undefined;
  above?: number | undefined;
  below?: number | undefined;
  atLeast?: number | undefined;
  atMost?: number | undefined;
  clear?: number | undefined;
}

/**
 * A condition is either a comparison (metric, aggregate, window and exactly one of
 * above/below/atLeast/atMost, optionally `clear` for hysteresis) or one of all/any/not.
 * One object with optional keys rather than a union: the error for a wrong key then
 * names that key instead of "no union member matched".
 */
export const Condition: z.ZodType<ConditionInput> = z
  .strictObject({
    get all() {
      return z.array(Condition).min(1).optional().describe('true when every condition is true');
    },
    get any() {
      return z.array(Condition).min(1).optional().describe('true when at least one condition is true');
    },
    get not() {
      return Condition.optional().describe('true when the condition is false');
    },
    metric: Metric.optional(),
    aggregate: Aggregate.optional().describe('over the event-time window (now - window, now]'),
    window: durationWithin(1_000, 86_400_000).optional(),
    above: z.number().optional().describe('true when aggregate > value'),
    below: z.number().optional().describe('true when aggregate < value'),
    atLeast: z.number().optional().describe('true when aggregate >= value'),
    atMost: z.number().optional().describe('true when aggregate <= value'),
    clear: z
      .number()
      .optional()
      .describe('hysteresis: once firing, the comparison stays true until the aggregate crosses this value'),
  })
  .superRefine((c, ctx) => {
    const combinators = (['all', 'any', 'not'] as const).filter((k) => c[k] !== undefined);
    const comparisonFields = (['metric', 'aggregate', 'window', 'clear', ...ComparisonKeys] as const).filter(
      (k) => c[k] !== undefined,
    );
    if (combinators.length > 1 || (combinators.length === 1 && comparisonFields.length > 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `a condition is one of: a comparison, all, any or not — this one mixes ${[...combinators, ...comparisonFields].join(', ')}`,
        params: { fix: 'nest them: `all: [ {metric: …}, {any: […]} ]`' },
      });
      return;
    }
    if (combinators.length === 1) return;
    for (const k of ['metric', 'aggregate', 'window'] as const) {
      if (c[k] === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `a comparison needs \`${k}\``,
          params: { fix: 'e.g. `metric: utilization, aggregate: avg, window: 5m, above: 0.85`' },
        });
      }
    }
    const ops = ComparisonKeys.filter((k) => c[k] !== undefined);
    if (ops.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          ops.length === 0
            ? 'a comparison needs one of above, below, atLeast, atMost'
            : `a comparison takes exactly one of above, below, atLeast, atMost, got ${ops.join(' and ')}`,
        params: { fix: 'combine two bounds with `all:`' },
      });
      return;
    }
    const op = ops[0]!;
    const threshold = c[op]!;
    if (c.metric === 'utilization' && (threshold < 0 || threshold > 1)) {
      ctx.addIssue({
        code: 'custom',
        path: [op],
        message: `utilization is a ratio in [0, 1], got ${threshold}`,
        params: { fix: 'write 85% as 0.85' },
      });
    }
    if (c.clear !== undefined) {
      const upward = op === 'above' || op === 'atLeast';
      if (upward ? c.clear > threshold : c.clear < threshold) {
        ctx.addIssue({
          code: 'custom',
          path: ['clear'],
          message: `clear ${c.clear} must be ${upward ? 'at or below' : 'at or above'} the threshold ${threshold}, or the rule could never stay firing`,
          params: {
            fix: upward ? `e.g. clear: ${round(threshold * 0.9)}` : `e.g. clear: ${round(threshold * 1.1)}`,
          },
        });
      }
    }
  })
  .meta({
    id: 'Condition',
    description:
      'A comparison {metric, aggregate, window, above|below|atLeast|atMost, clear?} or {all: […]}, {any: […]}, {not: …}.',
  });

export function clearUnderNot(
  c: ConditionInput,
  path: Array<string | number>,
  negated: boolean,
): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  if (negated && c.clear !== undefined) out.push(path);
  for (const [i, x] of (c.all ?? []).entries()) out.push(...clearUnderNot(x, [...path, 'all', i], negated));
  for (const [i, x] of (c.any ?? []).entries()) out.push(...clearUnderNot(x, [...path, 'any', i], negated));
  if (c.not) out.push(...clearUnderNot(c.not, [...path, 'not'], true));
  return out;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
