import { z } from 'zod';
import { timeOfDay } from '../time/time-of-day.js';
import { isValidZone } from '../time/zone.js';
import { Bridge } from './bridge-schema.js';
import { DEFAULTS } from './defaults.js';
import { SecretRef } from './secret-ref.js';

const D = DEFAULTS;

const Topics = z.strictObject({
  events: z.string().min(1).default(D.kafka.topics.events),
  deadLetter: z.string().min(1).default(D.kafka.topics.deadLetter),
  adjustments: z.string().min(1).default(D.kafka.topics.adjustments),
  outcomes: z.string().min(1).default(D.kafka.topics.outcomes),
  state: z.string().min(1).default(D.kafka.topics.state),
  repartition: z.string().min(1).default(D.kafka.topics.repartition),
  intents: z
    .string()
    .min(1)
    .default(D.kafka.topics.intents)
    .describe('rule intents keyed by planning domain (the teams a rule acts on): one planner per team'),
});

const Kafka = z.strictObject({
  brokers: z
    .array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'))
    .min(1)
    .default([...D.kafka.brokers]),
  clientId: z.string().min(1).default(D.kafka.clientId),
  groupId: z.string().min(1).default(D.kafka.groupId),
  topics: Topics.default(Topics.parse({})),
  partitions: z.number().int().min(1).default(D.kafka.partitions),
  replicationFactor: z.number().int().min(1).default(D.kafka.replicationFactor),
  sessionTimeoutMs: z
    .number()
    .int()
    .min(1000)
    .default(D.kafka.sessionTimeoutMs)
    .describe(
      'a consumer silent this long is dropped from its group, milliseconds: how long a restart after kill -9 waits for its partitions; heartbeats go every tenth of it (at most 3 s)',
    ),
  transactionTimeoutMs: z.number().int().min(1000).default(D.kafka.transactionTimeoutMs),
  commitIntervalMs: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(D.kafka.commitIntervalMs)
    .describe(
      'a rules-stage transaction without adjustments closes once it is this old, milliseconds; one with adjustments closes at the end of its batch',
    ),
  connectionTimeoutMs: z.number().int().min(100).default(D.kafka.connectionTimeoutMs),
  ssl: z
    .union([
      z.boolean(),
      z.strictObject({
        caFile: z.string().optional(),
        certFile: z.string().optional(),
        keyFile: z.string().optional(),
        rejectUnauthorized: z.boolean().default(true),
      }),
    ])
    .default(false),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: SecretRef,
    })
    .optional(),
});

const WfmAuth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('token'), token: SecretRef }),
  z.strictObject({
    kind: z.literal('oauth'),
    tokenUrl: z.string().url().optional().describe('default: <baseUrl>/oauth/token'),
    clientId: z.string().min(1),
    clientSecret: SecretRef,
  }),
]);

const ActivityCategory = z.enum([
  'OnQueueWork',
  'Break',
  'Meal',
  'Meeting',
  'OffQueueWork',
  'TimeOff',
  'Training',
  'Unavailable',
]);

const GenesysCloud = z
  .strictObject({
    region: z
      .string()
      .regex(/^[a-z0-9.-]+$/)
      .optional()
      .describe(
        "the org's region domain, e.g. mypurecloud.com or mypurecloud.de: the API is https://api.{region}, login https://login.{region}",
      ),
    apiBaseUrl: z
      .string()
      .url()
      .optional()
      .describe('instead of region: the API host, e.g. https://api.mypurecloud.com'),
    loginBaseUrl: z
      .string()
      .url()
      .optional()
      .describe('instead of region: the login host, e.g. https://login.mypurecloud.com'),
    businessUnitId: z.string().min(1).describe('the WFM business unit whose schedules are written'),
    clientId: z.string().min(1).describe('an OAuth client with the Client Credentials grant'),
    clientSecret: SecretRef,
    teams: z
      .union([
        z.enum(['teams-api', 'management-units']),
        z.strictObject({ map: z.record(z.string(), z.array(z.string().min(1))) }),
      ])
      .default('teams-api')
      .describe(
        "where the rules' team ids come from: Genesys teams (the Teams API, read by id), management units (team id = unit id), or a fixed map of team id → user ids",
      ),
    activityTypes: z
      .partialRecord(
        z.enum(['on-queue', 'break', 'meal', 'training', 'meeting', 'coaching', 'off-queue']),
        z.strictObject({ category: ActivityCategory, name: z.string().min(1).optional() }),
      )
      .default({})
      .describe(
        "where an activity type lives among the BU's codes: a category's default code, or a named code of it",
      ),
    notifications: z
      .boolean()
      .default(true)
      .describe('hear write results on a notification channel; false: settle every write by re-reading'),
    uploads: z
      .strictObject({
        lingerMs: z.number().int().min(0).optional(),
        maxWaitMs: z.number().int().min(0).optional(),
        maxAgents: z.number().int().min(1).max(2_000).optional(),
        maxBytes: z.number().int().min(10_000).optional(),
        resultTimeoutMs: z.number().int().min(100).optional(),
      })
      .default({}),
  })
  .superRefine((g, ctx) => {
    if (!g.region && !(g.apiBaseUrl && g.loginBaseUrl)) {
      ctx.addIssue({
        code: 'custom',
        message: 'set region (e.g. mypurecloud.com), or both apiBaseUrl and loginBaseUrl',
      });
    }
  });

const Wfm = z.strictObject({
  kind: z
    .enum(['contract', 'genesys-cloud'])
    .default('contract')
    .describe(
      "the WFM written to: the seed contract's HTTP API (baseUrl, auth) or Genesys Cloud WFM (genesysCloud)",
    ),
  genesysCloud: GenesysCloud.optional(),
  baseUrl: z.string().url().default(D.wfm.baseUrl),
  allowInsecureHttp: z.boolean().default(D.wfm.allowInsecureHttp),
  auth: WfmAuth.default({ kind: 'token', token: { env: 'TRUNK_REACTOR_WFM_TOKEN' } }),
  requestsPerMinute: z.number().positive().default(D.wfm.requestsPerMinute),
  maxConcurrency: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .optional()
    .describe(
      'adjustments the writer works on at once; default 8 for the contract (one request each), 200 for genesys-cloud (gathered into uploads)',
    ),
  connectTimeoutMs: z.number().int().min(1).default(D.wfm.connectTimeoutMs),
  headersTimeoutMs: z.number().int().min(1).default(D.wfm.headersTimeoutMs),
  bodyTimeoutMs: z.number().int().min(1).default(D.wfm.bodyTimeoutMs),
});

const Writer = z.strictObject({
  attemptBudgetMs: z.number().int().min(0).default(D.writer.attemptBudgetMs),
  backoffBaseMs: z.number().int().min(1).default(D.writer.backoffBaseMs),
  backoffCapMs: z.number().int().min(1).default(D.writer.backoffCapMs),
  retryQuotaTokens: z.number().int().min(0).default(D.writer.retryQuotaTokens),
  retryCost: z.number().int().min(0).default(D.writer.retryCost),
  successRefund: z.number().int().min(0).default(D.writer.successRefund),
  swapBatchSize: z.number().int().min(1).max(100).default(D.writer.swapBatchSize),
  lockOverrunMaxMs: z
    .number()
    .int()
    .min(0)
    .default(D.writer.lockOverrunMaxMs)
    .describe(
      'how long after a publish lock was due to end a conflict nobody can explain is still read as that lock running late (deferred, not dead-lettered), milliseconds',
    ),
});

const Planner = z.strictObject({
  readTimeoutMs: z
    .number()
    .int()
    .min(1)
    .default(D.planner.readTimeoutMs)
    .describe("one attempt at reading a team's shifts or agents from the WFM (every page), milliseconds"),
  readBudgetMs: z
    .number()
    .int()
    .min(1)
    .default(D.planner.readBudgetMs)
    .describe(
      'every attempt at one schedule read and the pauses between them, milliseconds; at least readTimeoutMs and below kafka.transactionTimeoutMs',
    ),
  readBackoffBaseMs: z
    .number()
    .int()
    .min(1)
    .default(D.planner.readBackoffBaseMs)
    .describe(
      "the pause before a read's first retry is 1/2 to 1 times this, doubling per retry, milliseconds",
    ),
  readBackoffCapMs: z
    .number()
    .int()
    .min(1)
    .default(D.planner.readBackoffCapMs)
    .describe("the largest pause between a read's attempts, milliseconds"),
});

const PublishWindow = z.strictObject({
  dayOfWeek: z.number().int().min(1).max(7).default(D.publishWindow.dayOfWeek),
  time: timeOfDay()
    .describe('local opening time in `zone`, HH:mm from 00:00 to 23:59')
    .default(D.publishWindow.time),
  zone: z
    .string()
    .refine(isValidZone, 'must be an IANA time zone such as Asia/Singapore')
    .default(D.publishWindow.zone),
  durationMinutes: z.number().int().min(1).max(1440).default(D.publishWindow.durationMinutes),
});

const Rules = z.strictObject({
  files: z
    .array(z.string().min(1))
    .min(1)
    .default([...D.rules.files]),
  watch: z.boolean().default(D.rules.watch),
  allowedLatenessMs: z.number().int().min(0).default(D.rules.allowedLatenessMs),
  maxFutureSkewMs: z
    .number()
    .int()
    .min(1_000)
    .default(D.rules.maxFutureSkewMs)
    .describe(
      'an event stamped further than this ahead of the wall clock is dead-lettered as TR_ERR_EVENT_FUTURE and moves no watermark, milliseconds',
    ),
  memberIdleMs: z
    .number()
    .int()
    .min(1_000)
    .default(D.rules.memberIdleMs)
    .describe(
      "a trunk more than the rules' memberStaleAfter behind its partition's newest event time stops holding the watermark back after this long without a sample, wall-clock milliseconds",
    ),
  killSwitchFile: z.string().default(D.rules.killSwitchFile),
});

const Admin = z.strictObject({
  host: z.string().default(D.admin.host),
  port: z.number().int().min(0).max(65535).default(D.admin.port),
  token: SecretRef.optional().describe('bearer token required by admin write endpoints'),
});

export const Config = z
  .strictObject({
    kafka: Kafka.default(Kafka.parse({})),
    wfm: Wfm.default(Wfm.parse({})),
    writer: Writer.default(Writer.parse({})),
    planner: Planner.default(Planner.parse({})),
    publishWindow: PublishWindow.default(PublishWindow.parse({})),
    rules: Rules.default(Rules.parse({})),
    admin: Admin.default(Admin.parse({})),
    bridge: Bridge.default({}),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        pretty: z.boolean().optional(),
      })
      .default({ level: 'info' }),
    shutdownTimeoutMs: z.number().int().min(100).default(D.shutdownTimeoutMs),
  })
  .superRefine((c, ctx) => {
    if (c.wfm.kind === 'genesys-cloud' && !c.wfm.genesysCloud) {
      ctx.addIssue({
        code: 'custom',
        path: ['wfm', 'genesysCloud'],
        message:
          'wfm.kind is genesys-cloud: add a wfm.genesysCloud section (region, businessUnitId, clientId, clientSecret)',
      });
    }
    const p = c.planner;
    if (p.readBudgetMs < p.readTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['planner', 'readBudgetMs'],
        message: `must be at least planner.readTimeoutMs (${p.readTimeoutMs}): the budget holds every attempt, got ${p.readBudgetMs}`,
      });
    }
    if (p.readBudgetMs >= c.kafka.transactionTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['planner', 'readBudgetMs'],
        message: `must be below kafka.transactionTimeoutMs (${c.kafka.transactionTimeoutMs}), got ${p.readBudgetMs}: lower planner.readBudgetMs or raise kafka.transactionTimeoutMs`,
      });
    }
  })
  .meta({ id: 'TrunkReactorConfig', title: 'trunk-reactor configuration' });
export type Config = z.infer<typeof Config>;
