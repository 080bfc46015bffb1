/**
 * Every default in one visible object, units in the names (STYLE.md; pino's
 * `defaultOptions`, kafkajs's `retry/defaults.js`). The zod schema in schema.ts fills
 * missing values from here.
 */
export const DEFAULTS = {
  kafka: {
    brokers: ['127.0.0.1:9092'],
    clientId: 'trunk-reactor',
    groupId: 'trunk-reactor',
    topics: {
      events: 'trunk-utilization',
      deadLetter: 'trunk-reactor.dead-letter',
      adjustments: 'trunk-reactor.adjustments',
      outcomes: 'trunk-reactor.outcomes',
      state: 'trunk-reactor.rule-state',
      repartition: 'trunk-reactor.repartition',
      intents: 'trunk-reactor.intents',
    },
    /** partitions used when trunk-reactor creates a topic that does not exist */
    partitions: 6,
    replicationFactor: 1,
    /**
     * a consumer silent this long is dropped from its group and its partitions go to the others,
     * milliseconds: after a kill -9 a restarted instance waits out the dead one's session. The
     * broker's least (group.min.session.timeout.ms, 6,000 by default); every stage heartbeats
     * every tenth of it, also while it waits (docs/operations.md, "Restarts and rebalances")
     */
    sessionTimeoutMs: 6_000,
    transactionTimeoutMs: 60_000,
    /**
     * a rules-stage transaction without adjustments closes once it is this old, milliseconds
     * (one with adjustments closes at the end of its batch): larger means fewer transactions
     * and state snapshots, and more input reprocessed after a crash
     */
    commitIntervalMs: 1_000,
    connectionTimeoutMs: 3_000,
  },
  wfm: {
    baseUrl: 'http://127.0.0.1:8080/wfm/api/v2',
    /** plain http is refused unless this is true (meant for a local sandbox) */
    allowInsecureHttp: false,
    /** the shared request budget of all instances; Genesys Cloud's default is 300/min per client */
    requestsPerMinute: 240,
    /** adjustments in flight: the contract writes one request each; Genesys gathers them into uploads */
    maxConcurrency: { contract: 8, 'genesys-cloud': 200 },
    connectTimeoutMs: 5_000,
    headersTimeoutMs: 10_000,
    bodyTimeoutMs: 10_000,
  },
  writer: {
    /** per-adjustment time budget for retries outside the publish window */
    attemptBudgetMs: 30_000,
    backoffBaseMs: 50,
    backoffCapMs: 5_000,
    /** process-wide retry budget (AWS standard retry quota): tokens, cost per retry, refund per success */
    retryQuotaTokens: 500,
    retryCost: 5,
    successRefund: 1,
    /** swaps per bulk request (at most 100) */
    swapBatchSize: 50,
    /** a publish lock running this long past its expected end is still waited out (docs/writer.md) */
    lockOverrunMaxMs: 2 * 3_600_000,
  },
  planner: {
    /** one attempt at reading a team's shifts or agents from the WFM, every page of it, milliseconds */
    readTimeoutMs: 10_000,
    /**
     * every attempt at one schedule read and the pauses between them, milliseconds: a slow WFM
     * delays planning by up to this before the planning stage fails the batch; below
     * kafka.transactionTimeoutMs
     */
    readBudgetMs: 20_000,
    /** the pause before a read's first retry is 1/2 to 1 times this, doubling per retry, milliseconds */
    readBackoffBaseMs: 250,
    /** the largest pause between a read's attempts, milliseconds */
    readBackoffCapMs: 4_000,
  },
  publishWindow: { dayOfWeek: 7, time: '02:00', zone: 'Asia/Singapore', durationMinutes: 30 },
  rules: {
    files: ['config/rules.yaml'],
    watch: true,
    allowedLatenessMs: 60_000,
    /** an event stamped further than this ahead of the wall clock is dead-lettered (TR_ERR_EVENT_FUTURE), milliseconds */
    maxFutureSkewMs: 5 * 60_000,
    /**
     * a trunk more than the rules' memberStaleAfter behind its partition's newest event time stops
     * holding the watermark back after this long without a sample, wall-clock milliseconds
     */
    memberIdleMs: 30_000,
    killSwitchFile: '.trunk-reactor-kill-switch',
  },
  admin: { host: '127.0.0.1', port: 9464 },
  bridge: {
    genesysCloud: {
      /** trunks listed again this often, so added and removed trunks are followed, milliseconds */
      rediscoverIntervalMs: 5 * 60_000,
      /** every trunk's latest sample read from REST this often (besides after every reconnect), milliseconds */
      gapFillIntervalMs: 60_000,
      /** trunk ids per `GET …/trunks/metrics?trunkIds=` (Genesys' own limit is not documented) */
      gapFillBatchSize: 100,
      /** how long a trunk base's sample waits for every edge's instance before it goes with what it has, milliseconds */
      instanceWaitMs: 2_000,
      /** events held while Kafka does not take them; past this the bridge stops reading notifications */
      bufferMaxEvents: 10_000,
      /** the bridge's share of the OAuth client's 300 requests a minute */
      requestsPerMinute: 240,
      /** the bridge's own admin server (/metrics, /healthz, /readyz), on admin.host */
      adminPort: 9465,
    },
  },
  log: { level: 'info' },
  shutdownTimeoutMs: 15_000,
} as const;
