import { z } from 'zod';
import { timeOfDay } from '../time/time-of-day.js';
import { Action } from './action-schema.js';
import { Condition, clearUnderNot } from './condition-schema.js';
import { parseDuration } from './duration.js';
import { Guardrails } from './guardrails-schema.js';
import { durationWithin, Id, OneOrMany, Zone } from './schema-scalars.js';

/**
 * The rules file, as zod schemas: the one source for validation, for the types the
 * compiler reads, and for schemas/rules.schema.json (editors autocomplete from it).
 * Every object is strict: a misspelt key must fail loudly, never switch a rule off.
 * Conditions, actions, guardrails and the scalar types (durations, ids, zones) have files of
 * their own (condition-schema.ts, action-schema.ts, guardrails-schema.ts, schema-scalars.ts);
 * every name is exported from here.
 */

export {
  Action,
  ExtendAction,
  PullForwardAction,
  ShortenAction,
  SwapAction,
  ToOnQueueAction,
} from './action-schema.js';
export { Aggregate, Condition, type ConditionInput, Metric } from './condition-schema.js';
export { Guardrails } from './guardrails-schema.js';
export { Duration } from './schema-scalars.js';

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
