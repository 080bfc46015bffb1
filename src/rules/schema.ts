import { z } from 'zod';
import { timeOfDay } from '../time/time-of-day.js';
import { isValidZone } from '../time/zone.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';

/**
 * The rules file, as zod schemas: the one source for validation, for the types the
 * compiler reads, and for schemas/rules.schema.json (editors autocomplete from it).
 * Every object is strict: a misspelt key must fail loudly, never switch a rule off.
 */

export const Duration = z
  .string()
  .regex(DURATION_PATTERN, { message: 'must be a duration like 30s, 5m, 1h30m or 1d' })
  .refine((s) => s !== '', { message: 'must be a duration like 30s, 5m, 1h30m or 1d' })
  .meta({ id: 'Duration', description: 'A duration: digits with d, h, m, s units, e.g. 30s, 5m, 1h30m.' });

function durationWithin(minMs: number, maxMs: number) {
  return Duration.refine(
    (s) => {
      const ms = parseDuration(s);
      return ms === null || (ms >= minMs && ms <= maxMs);
    },
    { message: `must be between ${human(minMs)} and ${human(maxMs)}` },
  );
}

function human(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
  message: 'must be lower-case letters, digits, dots, dashes or underscores (at most 63), like apac-surge',
});

const Zone = z
  .string()
  .refine(isValidZone, { message: 'is not an IANA time zone; use a name like Asia/Singapore' })
  .meta({ description: 'An IANA time zone name, e.g. Asia/Singapore.' });

const Name = z.string().min(1).max(200);
const OneOrMany = z.union([Name, z.array(Name).min(1)]);

export const Metric = z
  .enum(['utilization', 'activeCalls', 'capacity'])
  .describe('utilization = activeCalls / capacity of the scope; activeCalls and capacity are summed over it');
export type Metric = z.infer<typeof Metric>;

export const Aggregate = z.enum(['avg', 'max', 'min', 'p95', 'last']);
export type Aggregate = z.infer<typeof Aggregate>;

export const Selector = z
  .strictObject({
    trunkId: OneOrMany.optional(),
    trunkGroup: OneOrMany.optional(),
    region: OneOrMany.optional(),
    site: OneOrMany.optional(),
    labels: z.record(z.string().min(1), OneOrMany).optional().describe('every label listed must match'),
  })
  .meta({
    id: 'Selector',
    description: 'Which events a rule sees: every field given must match (a list means any of its values).',
  });
export type Selector = z.infer<typeof Selector>;

export const ScopeBy = z
  .enum(['trunk', 'trunkGroup', 'region', 'site', 'selector'])
  .describe(
    'one aggregate per trunk, per trunk group, per region, per site, or one for everything `where` admits',
  );
export type ScopeBy = z.infer<typeof ScopeBy>;

export const Scope = z
  .strictObject({ by: ScopeBy, where: Selector.optional() })
  .meta({ id: 'Scope', description: 'What a rule aggregates over.' });
export type Scope = z.infer<typeof Scope>;

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

function clearUnderNot(
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

export const WEEKDAY_TOKEN = /^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?$/;

export const TimeWindow = z
  .strictObject({
    days: z
      .array(
        z.string().regex(WEEKDAY_TOKEN, { message: 'must be a weekday like mon, or a range like mon-fri' }),
      )
      .min(1)
      .optional()
      .describe('weekdays the window opens on (mon … sun, or ranges like mon-fri); every day when left out'),
    from: timeOfDay({ nameField: true }).describe('local opening time, HH:mm from 00:00 to 23:59'),
    to: timeOfDay({ endOfDay: true, nameField: true }).describe(
      'local closing time, HH:mm from 00:00 to 24:00; earlier than `from` means the window runs past midnight',
    ),
  })
  .refine((w) => w.from !== w.to, {
    message: 'from and to are equal: the window would be empty',
    params: { fix: 'for a whole day write from: "00:00", to: "24:00"' },
  })
  .meta({ id: 'TimeWindow' });

export const During = z
  .strictObject({
    zone: Zone.optional().describe("the windows' zone; defaults.zone when left out"),
    windows: z.array(TimeWindow).min(1),
  })
  .meta({ id: 'During', description: 'The rule is active only inside these local-time windows.' });
export type During = z.infer<typeof During>;

const Team = Name.describe('WFM team id');
const MaxAgents = z.number().int().min(1).max(500);
const grid = () =>
  durationWithin(15 * 60_000, 12 * 3_600_000).refine((s) => (parseDuration(s) ?? 0) % (15 * 60_000) === 0, {
    message: 'must be a multiple of 15m (the schedule grid)',
    params: { fix: `use 15m, 30m, 45m, 1h…` },
  });

export const ExtendAction = z
  .strictObject({
    team: Team,
    by: grid().describe('how much later the shift ends'),
    endingWithin: durationWithin(0, 86_400_000).describe('candidate shifts end in (now, now + endingWithin]'),
    maxAgents: MaxAgents,
    order: z.enum(['ending-soonest', 'ending-latest', 'agent-id']).default('ending-soonest'),
  })
  .meta({ id: 'ExtendAction', description: 'Extend the shifts of agents about to leave.' });

export const ShortenAction = z
  .strictObject({
    team: Team,
    by: grid().describe('how much shorter the shift gets'),
    trim: z.enum(['start', 'end']).default('start').describe('start: begin later; end: finish earlier'),
    startingWithin: durationWithin(0, 86_400_000).describe(
      'candidate shifts start in (now, now + startingWithin]; those within noShortenWithin are passed over',
    ),
    maxAgents: MaxAgents,
    order: z.enum(['starting-soonest', 'starting-latest', 'agent-id']).default('starting-soonest'),
  })
  .meta({
    id: 'ShortenAction',
    description: 'Offer voluntary time off: shorten shifts that have not started.',
  });

export const PullForwardAction = z
  .strictObject({
    team: Team,
    by: grid().describe('how much earlier the shift starts (never before now)'),
    startingWithin: durationWithin(0, 86_400_000).describe(
      'candidate shifts start in (now, now + startingWithin]',
    ),
    maxAgents: MaxAgents,
    order: z.enum(['starting-soonest', 'starting-latest', 'agent-id']).default('starting-soonest'),
  })
  .meta({ id: 'PullForwardAction', description: 'Start later shifts earlier, into the current peak.' });

export const ToOnQueueAction = z
  .strictObject({
    team: Team,
    within: durationWithin(15 * 60_000, 12 * 3_600_000).describe(
      'converts activities in [now, now + within), on the grid',
    ),
    types: z
      .array(z.enum(['training', 'meeting', 'coaching', 'off-queue']))
      .min(1)
      .default(['training', 'meeting'])
      .describe('off-queue activity types that may become on-queue time'),
    maxAgents: MaxAgents,
    order: z.enum(['activity-soonest', 'agent-id']).default('activity-soonest'),
  })
  .meta({ id: 'ToOnQueueAction', description: 'Turn training, meetings and the like into on-queue time.' });

export const SwapAction = z
  .strictObject({
    team: Team.describe('the team that gains an agent now'),
    donorTeam: Team.describe('the team whose starting-now shift changes hands'),
    startingWithin: durationWithin(0, 12 * 3_600_000).describe(
      'donor shifts start in [now + minNotice, now + startingWithin]',
    ),
    minNotice: durationWithin(0, 12 * 3_600_000).default('15m'),
    laterWithin: durationWithin(0, 86_400_000).describe(
      "the team's later shift starts after the donor shift and within now + laterWithin",
    ),
    maxLengthDifference: durationWithin(0, 12 * 3_600_000).default('1h'),
    maxPairs: MaxAgents,
  })
  .refine((s) => s.team !== s.donorTeam, {
    message:
      'team and donorTeam are the same: exchanging two shifts within one team does not change its coverage',
    params: { fix: 'set donorTeam to the team that lends an agent, e.g. a back-office or flex team' },
  })
  .meta({
    id: 'SwapAction',
    description:
      "Exchange owners of two shifts, atomically: a team agent scheduled later takes a donor's shift that starts now; the donor takes the later shift.",
  });

export const Action = z
  .strictObject({
    extend: ExtendAction.optional(),
    shorten: ShortenAction.optional(),
    pullForward: PullForwardAction.optional(),
    toOnQueue: ToOnQueueAction.optional(),
    swap: SwapAction.optional(),
  })
  .superRefine((a, ctx) => {
    const kinds = Object.keys(a).filter((k) => a[k as keyof typeof a] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'an action needs one of extend, shorten, pullForward, toOnQueue, swap'
            : `an action takes exactly one of extend, shorten, pullForward, toOnQueue, swap, got ${kinds.join(' and ')}`,
        params: { fix: 'write two rules for two actions' },
      });
    }
  })
  .meta({ id: 'Action', description: 'Exactly one of extend, shorten, pullForward, toOnQueue, swap.' });
export type Action = z.infer<typeof Action>;

export const Guardrails = z
  .strictObject({
    maxShiftLength: durationWithin(3_600_000, 24 * 3_600_000).optional(),
    minShiftLength: durationWithin(15 * 60_000, 24 * 3_600_000).optional(),
    minRest: durationWithin(0, 48 * 3_600_000)
      .optional()
      .describe("between one shift's end and the same agent's next start"),
    maxAdjustmentsPerAgentPerDay: z
      .number()
      .int()
      .min(0)
      .max(50)
      .optional()
      .describe("counted per local day of the shift's start, in the agent's zone"),
    maxAdjustmentsPerAgentPerWeek: z
      .number()
      .int()
      .min(0)
      .max(200)
      .optional()
      .describe("counted per schedule week, in the business unit's zone"),
    maxAgentsPerTeamPerHour: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe('distinct agents changed in any 60 minutes of event time'),
    noShortenWithin: durationWithin(0, 48 * 3_600_000)
      .optional()
      .describe('never shorten a shift in progress or starting within this'),
  })
  .meta({ id: 'Guardrails', description: 'Limits the planner applies to every adjustment.' });
export type Guardrails = z.infer<typeof Guardrails>;

export const Rule = z
  .strictObject({
    id: Id.describe('unique in the file; part of every idempotency key, so keep it stable'),
    description: z.string().max(500).optional(),
    enabled: z.boolean().default(true),
    scope: Scope,
    when: Condition,
    for: durationWithin(0, 86_400_000)
      .default('0s')
      .describe('pending → firing once the condition has held this long (Prometheus `for`)'),
    keepFiringFor: durationWithin(0, 86_400_000)
      .default('0s')
      .describe('stay firing this long after the condition clears'),
    cooldown: durationWithin(0, 7 * 86_400_000)
      .default('0s')
      .describe('no intent for the same scope within this long after the last'),
    repeatEvery: durationWithin(60_000, 7 * 86_400_000)
      .optional()
      .describe('while still firing, act again this often (never more often than cooldown)'),
    during: During.optional(),
    action: Action,
    guardrails: Guardrails.optional().describe('overrides defaults.guardrails for this rule'),
  })
  .meta({ id: 'Rule' });
export type Rule = z.infer<typeof Rule>;

export const EngineSettings = z
  .strictObject({
    allowedLateness: durationWithin(0, 3_600_000)
      .default('30s')
      .describe('events up to this far behind the newest one are reordered; later ones are dead-lettered'),
    memberStaleAfter: durationWithin(1_000, 86_400_000)
      .default('5m')
      .describe(
        "a trunk stops counting toward its group's, site's or region's sums this long after its last sample",
      ),
  })
  .meta({ id: 'EngineSettings' });
export type EngineSettings = z.infer<typeof EngineSettings>;

export const Defaults = z
  .strictObject({
    zone: Zone.optional().describe('zone of `during` windows that name none'),
    guardrails: Guardrails.optional(),
  })
  .meta({ id: 'Defaults' });

export const RulesFile = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).describe('rules file format version'),
    engine: EngineSettings.prefault({}),
    defaults: Defaults.prefault({}),
    rules: z.array(Rule),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.rules.forEach((rule, i) => {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'id'],
          message: `duplicate rule id '${rule.id}' (first at rules[${first}])`,
          params: { fix: 'give every rule its own id: ids go into idempotency keys' },
        });
      } else seen.set(rule.id, i);
      if (rule.during && rule.during.zone === undefined && file.defaults.zone === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'during'],
          message: '`during` has no zone and defaults.zone is not set',
          params: { fix: 'add `zone: Asia/Singapore` (or your zone) to `during` or to `defaults`' },
        });
      }
      for (const path of clearUnderNot(rule.when, [], false)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'when', ...path, 'clear'],
          message: '`clear` inside `not` would turn hysteresis inside out',
          params: {
            fix: 'state the comparison the other way round (below instead of above) and drop the `not`',
          },
        });
      }
      const cooldown = parseDuration(rule.cooldown) ?? 0;
      if (rule.repeatEvery !== undefined && (parseDuration(rule.repeatEvery) ?? 0) < cooldown) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'repeatEvery'],
          message: `repeatEvery ${rule.repeatEvery} is shorter than cooldown ${rule.cooldown}`,
          params: { fix: `set repeatEvery to ${rule.cooldown} or more` },
        });
      }
    });
  })
  .meta({
    id: 'RulesFile',
    title: 'trunk-reactor rules file',
    description: 'Rules that turn BYOC trunk utilization into shift adjustments. See docs/rules.md.',
  });
export type RulesFile = z.infer<typeof RulesFile>;
export type RulesFileInput = z.input<typeof RulesFile>;
