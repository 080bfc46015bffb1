import { z } from 'zod';
import { TrunkEvent } from '../events/trunk-event.js';
import { DEFAULTS } from './defaults.js';
import { SecretRef } from './secret-ref.js';

const D = DEFAULTS;

/** What a trunk base becomes in the events: every field of docs/events.md but the sample itself. */
const BridgeTrunkFields = {
  trunkGroup: TrunkEvent.shape.trunkGroup.optional().describe('e.g. sg-byoc'),
  region: TrunkEvent.shape.region.optional().describe('e.g. apac'),
  site: TrunkEvent.shape.site.optional().describe('e.g. sg1'),
  labels: TrunkEvent.shape.labels.describe('free-form labels rules can select on, e.g. {carrier: singtel}'),
  capacity: TrunkEvent.shape.capacity
    .optional()
    .describe(
      "concurrent calls the trunk base carries; Genesys' Max Concurrent Calls may be Unlimited, so it comes from here or defaults",
    ),
};

const BridgeTrunk = z.strictObject({
  trunkId: TrunkEvent.shape.trunkId
    .optional()
    .describe("the events' trunkId (and message key); default: the key this entry is listed under"),
  ...BridgeTrunkFields,
});

const BridgeGenesysCloud = z
  .strictObject({
    region: z
      .string()
      .regex(/^[a-z0-9.-]+$/)
      .optional()
      .describe(
        "the org's region domain, e.g. mypurecloud.com: the API is https://api.{region}, login https://login.{region}",
      ),
    apiBaseUrl: z.string().url().optional().describe('instead of region: the API host'),
    loginBaseUrl: z.string().url().optional().describe('instead of region: the login host'),
    allowInsecureHttp: z
      .boolean()
      .default(false)
      .describe('plain http:// hosts are refused unless true (meant for a local emulation)'),
    clientId: z
      .string()
      .min(1)
      .describe('an OAuth client with the Client Credentials grant and telephony:plugin:all'),
    clientSecret: SecretRef,
    topic: z.string().min(1).optional().describe('the Kafka topic written; default kafka.topics.events'),
    defaults: z
      .strictObject(BridgeTrunkFields)
      .default({})
      .describe('what a mapped trunk base takes for each field its entry leaves out'),
    trunks: z
      .record(z.string().min(1), BridgeTrunk)
      .default({})
      .describe(
        'each trunk base, by its Genesys id or name, and the trunk it is in the events; a base not listed is reported once and its samples skipped',
      ),
    rediscoverIntervalMs: z
      .number()
      .int()
      .min(1_000)
      .default(D.bridge.genesysCloud.rediscoverIntervalMs)
      .describe('trunks listed again this often, so added and removed trunks are followed, milliseconds'),
    gapFillIntervalMs: z
      .number()
      .int()
      .min(1_000)
      .default(D.bridge.genesysCloud.gapFillIntervalMs)
      .describe(
        "every trunk's latest sample read from REST this often, besides after every reconnect, milliseconds",
      ),
    gapFillBatchSize: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(D.bridge.genesysCloud.gapFillBatchSize)
      .describe('trunk ids per GET …/trunks/metrics?trunkIds= request'),
    instanceWaitMs: z
      .number()
      .int()
      .min(0)
      .default(D.bridge.genesysCloud.instanceWaitMs)
      .describe(
        "how long a trunk base's sample waits for every edge's instance before it is sent with the instances it has, milliseconds",
      ),
    bufferMaxEvents: z
      .number()
      .int()
      .min(1)
      .default(D.bridge.genesysCloud.bufferMaxEvents)
      .describe(
        'events held while Kafka does not take them; past this the bridge stops reading notifications',
      ),
    requestsPerMinute: z
      .number()
      .positive()
      .default(D.bridge.genesysCloud.requestsPerMinute)
      .describe("the bridge's share of the OAuth client's request budget (Genesys: 300 a minute)"),
    adminPort: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(D.bridge.genesysCloud.adminPort)
      .describe("the bridge's admin server (/metrics, /healthz, /readyz), on admin.host"),
  })
  .superRefine((g, ctx) => {
    if (!g.region && !(g.apiBaseUrl && g.loginBaseUrl)) {
      ctx.addIssue({
        code: 'custom',
        message: 'set region (e.g. mypurecloud.com), or both apiBaseUrl and loginBaseUrl',
      });
    }
    const d = g.defaults;
    for (const [base, t] of Object.entries(g.trunks)) {
      if (t.trunkId === undefined && !/^[^\s]{1,200}$/.test(base))
        ctx.addIssue({
          code: 'custom',
          path: ['trunks', base, 'trunkId'],
          message: `trunk base '${base}': set trunkId (the base's name has whitespace, and a trunk id may not)`,
        });
      for (const field of ['trunkGroup', 'region', 'site', 'capacity'] as const) {
        if (t[field] !== undefined || d[field] !== undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['trunks', base, field],
          message:
            field === 'capacity'
              ? `trunk base '${base}': set capacity here or in defaults (Genesys' Max Concurrent Calls may be Unlimited, so the bridge cannot take it from the org)`
              : `trunk base '${base}': set ${field} here or in defaults`,
        });
      }
    }
  });

/** The config file's `bridge:` section: what `trunk-reactor bridge` reads and publishes. */
export const Bridge = z.strictObject({
  genesysCloud: BridgeGenesysCloud.optional().describe(
    'trunk-reactor bridge genesys-cloud: BYOC trunk metrics from a Genesys Cloud org into the events topic',
  ),
});
