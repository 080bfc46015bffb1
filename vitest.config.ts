import { defineConfig } from 'vitest/config';

/**
 * Tests that need a Kafka broker. They run in the `broker` project, whose globalSetup
 * (test/setup/global-kafka.ts) starts one — or takes KAFKA_BROKERS. Every other test runs in the
 * `unit` project, with no broker and no Java: `npm run test:unit`. `npm test` runs both.
 * A test that talks to a broker (`brokers()`, `inject('kafkaBrokers')`, `startLocalBroker`, a
 * `trunk-reactor run` child, kcat) belongs here.
 */
export const BROKER_TESTS = [
  'test/pipeline/**/*.test.ts',
  'test/inputs/bursts.test.ts',
  'test/inputs/codecs.test.ts',
  'test/inputs/dead-letter-source.test.ts',
  'test/inputs/oversized.test.ts',
  'test/inputs/stalled-partition.test.ts',
  'test/bridge/bridge-cli.test.ts',
  'test/bridge/bridge-emulation.test.ts',
  'test/bridge/kafka-down.test.ts',
  'test/kafka/aborted-transactions.test.ts',
  'test/kafka/broker-restart.test.ts',
  'test/kafka/broker-smoke.test.ts',
  'test/kafka/slow-restore.test.ts',
  'test/kafka/txn-producers.test.ts',
  'test/cli/produce.test.ts',
  'test/cli/redrive.test.ts',
  'test/demo/demo-cli.test.ts',
  'test/demo/demo-kafka.test.ts',
  'test/demo/genesys-cloud-demo.test.ts',
  'test/demo/genesys-cloud-bridge-demo.test.ts',
];

const shared = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: BROKER_TESTS,
          // a worker keeps its loaded modules from one test file to the next, and several run at
          // once (much of a unit test's time is a child process, a browser or a timer): the whole
          // project runs in about a minute on two cores. A test file restores what it changes
          // (environment variables, fake timers, globals).
          isolate: false,
          maxWorkers: 4,
          // `npm test`: the unit tests first, then the broker's
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'broker',
          include: BROKER_TESTS,
          globalSetup: ['test/setup/global-kafka.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
