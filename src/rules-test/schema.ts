import { z } from 'zod';
import type { GuardrailName } from '../planner/guardrails.js';
import { Duration } from '../rules/schema.js';
import { WEEKDAY_NAMES } from '../time/schedule-week.js';
import { timeOfDay } from '../time/time-of-day.js';
import { isValidZone } from '../time/zone.js';
import { ActivityType } from '../wfm/contract.js';
import { TIME_TEXT_PATTERN } from './test-time.js';

/**
 * A rules test file, as zod schemas: the one source for its validation, its types and
 * schemas/rules-test.schema.json (editors complete test files from it). Modelled on
 * Prometheus' `promtool test rules`: input series in the expanding notation, expectations
 * at evaluation times. Every object is strict, as in rules files: a misspelt key is an error.
 */

const Zone = z
  .string()
  .refine(isValidZone, { message: 'is not an IANA time zone; use a name like Asia/Singapore' })
  .meta({ description: 'An IANA time zone name, e.g. Asia/Singapore.' });

const Id = z.string().min(1).max(200);

export const TestTime = z
  .string()
  .regex(TIME_TEXT_PATTERN, {
    message:
      'must be a local time like 09:25 (on the day the test starts), 2026-11-27 09:25, a duration after the start like 25m, or an instant with an offset',
  })
  .meta({
    id: 'TestTime',
    description:
      "A time in the file's zone: HH:mm[:ss] on the local day the test starts, YYYY-MM-DD HH:mm[:ss], a duration after the start (25m, +1h30m), or an instant with an offset (2026-11-27T09:25:00+08:00).",
    examples: ['09:25', '2026-11-29 02:10', '+25m'],
  });

export const Series = z.union([z.string().min(1), z.number()]).meta({
  id: 'Series',
  description:
    "Samples in promtool's expanding notation, one per sampling interval: `a` one sample, `axn` n+1 samples of a, `a+bxn` / `a-bxn` n+1 samples from a in steps of b, `_` a missing sample, `_xn` n missing samples. E.g. '0.5+0.05x8 0.9x20 _x3 0.3x10'.",
  examples: ['0.5+0.05x8 0.9x20 _x3 0.3x10', '24x90 26x180'],
});

const Labels = z.record(
  z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,62}$/, { message: 'label names are [a-zA-Z][a-zA-Z0-9_.-]*' }),
  z.string().max(200),
);

export const TrunkSeries = z
  .strictObject({
    trunk: z
      .string()
      .min(1)
      .regex(/^[^\s{}]*(?:\{\d+\.\.\d+\})?[^\s{}]*$/, {
        message: 'must be a trunk id, or ids with one numeric range in braces like sg-byoc-{01..15}',
      })
      .describe(
        'the trunk id, or several with a range in braces: sg-byoc-{01..15} is 15 trunks, each with this series',
      ),
    trunkGroup: Id,
    region: Id,
    site: Id,
    labels: Labels.optional().describe('labels rules can select on, e.g. {carrier: singtel}'),
    capacity: Series.describe('concurrent calls the trunk carries: a whole number, or a series of them'),
    utilization: Series.optional().describe(
      'activeCalls / capacity in [0, 1]; each sample becomes round(utilization × capacity) whole calls',
    ),
    activeCalls: Series.optional().describe('calls up on the trunk, whole numbers'),
  })
  .superRefine((t, ctx) => {
    if ((t.utilization === undefined) === (t.activeCalls === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          t.utilization === undefined
            ? 'a trunk needs its samples: `utilization` or `activeCalls`'
            : 'give one of `utilization` and `activeCalls`, not both',
        params: { fix: "e.g. utilization: '0.5x30 0.9x60'" },
      });
    }
  })
  .meta({ id: 'TrunkSeries', description: "One trunk's (or a range of trunks') identity and samples." });
export type TrunkSeries = z.infer<typeof TrunkSeries>;

const InlineActivity = z.strictObject({
  type: ActivityType,
  start: TestTime,
  end: TestTime,
});

export const InlineShift = z
  .strictObject({
    id: Id,
    agent: Id,
    team: Id,
    start: TestTime,
    end: TestTime.describe('an end at or before the start on the clock is on the next day'),
    activities: z
      .array(InlineActivity)
      .optional()
      .describe('blocks other than on-queue (training, meeting, break…); the rest of the shift is on-queue'),
  })
  .meta({ id: 'InlineShift' });
export type InlineShift = z.infer<typeof InlineShift>;

export const InlineSchedule = z
  .strictObject({
    weekStart: z
      .enum(WEEKDAY_NAMES)
      .default('mon')
      .describe("first day of the business unit's schedule week (the weekly caps count by it)"),
    shifts: z.array(InlineShift).min(1),
  })
  .meta({
    id: 'InlineSchedule',
    description:
      "Shifts written in the test; the business unit's zone is the file's. Agents are those the shifts name, in that zone.",
  });
export type InlineSchedule = z.infer<typeof InlineSchedule>;

export const ScheduleSpec = z
  .union([
    z
      .string()
      .min(1)
      .describe('a schedule snapshot file (the WFM sandbox export format), relative to this file'),
    InlineSchedule,
  ])
  .meta({ id: 'ScheduleSpec' });
export type ScheduleSpec = z.infer<typeof ScheduleSpec>;

export const PublishWindowSpec = z
  .strictObject({
    dayOfWeek: z.number().int().min(1).max(7).default(7).describe('ISO weekday: 1 = Monday … 7 = Sunday'),
    time: timeOfDay().default('02:00').describe('local opening time in `zone`, HH:mm'),
    zone: Zone.default('Asia/Singapore'),
    durationMinutes: z.number().int().min(1).max(1440).default(30),
  })
  .meta({
    id: 'PublishWindowSpec',
    description: "The WFM's weekly publish window, as in the service config's `publishWindow`.",
  });

const RuleRef = z.union([
  Id,
  z.strictObject({
    rule: Id,
    scope: Id.describe(
      "the scope key: the trunk id for a `by: trunk` rule, the group, region or site for the others, '*' for `by: selector`",
    ),
  }),
]);
export type RuleRef = z.infer<typeof RuleRef>;

const ACTIONS = ['extend', 'shorten', 'pull-forward', 'to-on-queue', 'swap'] as const;

/** The planner's guardrails, and `noCandidates` (the rule acted and no shift qualified). */
const PASSED_OVER_BY = [
  'killSwitch',
  'maxShiftLength',
  'minShiftLength',
  'minRest',
  'overlap',
  'noShortenWithin',
  'maxAdjustmentsPerAgentPerDay',
  'maxAdjustmentsPerAgentPerWeek',
  'maxAgentsPerTeamPerHour',
  'maxLengthDifference',
  'noCandidates',
] as const satisfies ReadonlyArray<GuardrailName | 'noCandidates'>;
/** A guardrail the planner gains and this list lacks fails the type check here. */
export type EveryGuardrailListed = Unlisted<Exclude<GuardrailName, (typeof PASSED_OVER_BY)[number]>>;
type Unlisted<T extends never> = T;

export const PlannedExpectation = z
  .strictObject({
    rule: Id.optional(),
    action: z.enum(ACTIONS).optional(),
    shift: Id.optional().describe(
      "the shift changed (a swap: the donor team's shift, which changes hands now)",
    ),
    agent: Id.optional().describe("the shift's agent before the change"),
    with: Id.optional().describe("a swap's other shift: the busy team's later one"),
    start: TestTime.optional().describe('the new start; HH:mm compares the local clock time only'),
    end: TestTime.optional().describe('the new end; HH:mm compares the local clock time only'),
    onQueue: z
      .tuple([TestTime, TestTime])
      .optional()
      .describe('the range turned into on-queue time, [from, to]'),
    heldByPublishWindow: z
      .boolean()
      .optional()
      .describe('decided while the publish window is open, so the writer holds it until the window closes'),
  })
  .meta({
    id: 'PlannedExpectation',
    description: 'An adjustment the planner must make in the window; fields left out match anything.',
  });
export type PlannedExpectation = z.infer<typeof PlannedExpectation>;

export const PassedOverExpectation = z
  .strictObject({
    rule: Id.optional(),
    guardrail: z.enum(PASSED_OVER_BY).optional(),
    shift: Id.optional(),
    agent: Id.optional(),
  })
  .meta({
    id: 'PassedOverExpectation',
    description: 'A candidate the planner must pass over in the window, and the guardrail that refused it.',
  });
export type PassedOverExpectation = z.infer<typeof PassedOverExpectation>;

export const Expectation = z
  .strictObject({
    at: TestTime.optional().describe(
      'a point: the rules firing once every sample up to this time is evaluated',
    ),
    firing: z.array(RuleRef).optional().describe('rules (or rule and scope) firing at `at`'),
    notFiring: z.array(RuleRef).optional().describe('rules (or rule and scope) not firing at `at`'),
    from: TestTime.optional().describe('a window [from, to) of trigger times'),
    to: TestTime.optional(),
    planned: z
      .array(PlannedExpectation)
      .optional()
      .describe('adjustments planned for triggers in the window'),
    passedOver: z
      .array(PassedOverExpectation)
      .optional()
      .describe('candidates passed over for triggers in the window'),
    nothingElse: z
      .boolean()
      .optional()
      .describe(
        'nothing is planned or passed over in the window beyond what `planned` and `passedOver` list',
      ),
  })
  .superRefine((e, ctx) => {
    const point = e.at !== undefined;
    const window = e.from !== undefined || e.to !== undefined;
    if (point === window) {
      ctx.addIssue({
        code: 'custom',
        message: point
          ? 'an expectation is at a point (`at`) or over a window (`from`, `to`), not both'
          : 'an expectation needs `at` (a point) or `from` and `to` (a window)',
        params: { fix: 'firing/notFiring go with `at`; planned/passedOver/nothingElse with `from` and `to`' },
      });
      return;
    }
    if (point) {
      if (e.firing === undefined && e.notFiring === undefined)
        ctx.addIssue({
          code: 'custom',
          message: 'an expectation at a point needs `firing` or `notFiring`',
          params: { fix: 'list rule ids under firing: or notFiring:' },
        });
      for (const k of ['planned', 'passedOver', 'nothingElse'] as const)
        if (e[k] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: `\`${k}\` is about a window of trigger times, and \`at\` is a point`,
            params: { fix: 'give the window with from: and to: instead of at:' },
          });
      return;
    }
    for (const k of ['from', 'to'] as const)
      if (e[k] === undefined)
        ctx.addIssue({
          code: 'custom',
          message: `a window needs \`${k}\``,
          params: { fix: 'write both from: and to:' },
        });
    if (e.planned === undefined && e.passedOver === undefined && e.nothingElse === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'an expectation over a window needs `planned`, `passedOver` or `nothingElse`',
        params: { fix: 'nothingElse: true alone says nothing is planned in the window' },
      });
    for (const k of ['firing', 'notFiring'] as const)
      if (e[k] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `\`${k}\` is about a point in time, and this expectation is a window`,
          params: { fix: 'write it as its own expectation with at:' },
        });
  })
  .meta({
    id: 'Expectation',
    description:
      'Either at a point (`at` with firing / notFiring) or over a window of trigger times (`from`, `to` with planned / passedOver / nothingElse).',
  });
export type Expectation = z.infer<typeof Expectation>;

export const RuleTest = z
  .strictObject({
    name: z.string().min(1).max(200),
    start: TestTime.describe("the first sample's time"),
    interval: Duration.optional().describe("time between samples; the file's `interval` when left out"),
    schedule: ScheduleSpec.optional().describe("the file's `schedule` when left out"),
    enable: z
      .array(Id)
      .optional()
      .describe('rules the rules file disables (`enabled: false`) to run switched on in this test'),
    trunks: z.array(TrunkSeries).min(1),
    expect: z.array(Expectation).min(1),
  })
  .meta({
    id: 'RuleTest',
    description: 'One scenario: input series, a schedule and what must come of them.',
  });
export type RuleTest = z.infer<typeof RuleTest>;

export const RulesTestFile = z
  .strictObject({
    $schema: z.string().optional(),
    rules: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe(
        'the rules file(s) under test, relative to this file; several combine as the service combines rules.files (every rule in one set, engine settings and defaults from the first)',
      ),
    zone: Zone.describe('times written without an offset are local to this zone'),
    interval: Duration.optional().describe('time between samples, for every test that names none'),
    schedule: ScheduleSpec.optional().describe('the schedule of every test that names none'),
    publishWindow: z
      .union([PublishWindowSpec, z.literal(false)])
      .optional()
      .describe(
        'adjustments decided while it is open are held by the writer; default Sunday 02:00 Asia/Singapore for 30 minutes, as `plan`; false for none',
      ),
    tests: z.array(RuleTest).min(1),
  })
  .meta({
    id: 'RulesTestFile',
    title: 'trunk-reactor rules test file',
    description:
      'Input series per trunk, a schedule and the firing rules and adjustments they must give. Run with `trunk-reactor test FILE…`; see docs/rules.md, "Testing rules".',
  });
export type RulesTestFile = z.infer<typeof RulesTestFile>;
