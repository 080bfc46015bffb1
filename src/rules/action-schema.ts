import { z } from 'zod';
import { parseDuration } from './duration.js';
import { durationWithin, Name } from './schema-scalars.js';

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
