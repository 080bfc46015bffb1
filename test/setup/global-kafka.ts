import type { TestProject } from 'vitest/node';
import { freePortPair, startLocalBroker, stopLocalBroker } from '../kafka/local-broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap addresses of the test Kafka broker. */
    kafkaBrokers: string;
  }
}

/**
 * vitest globalSetup: gives every test a real Kafka broker.
 * - KAFKA_BROKERS set (CI, or a developer's own broker): used as is, nothing is started.
 * - Otherwise a single-node KRaft broker is started with scripts/kafka/start.sh on a free port
 *   (or KAFKA_TEST_PORT), and stopped with its data deleted when the run ends.
 * Tests read the address with `inject('kafkaBrokers')` or `process.env.KAFKA_BROKERS`: this runs in the
 * main process before the workers are forked, and they inherit its environment.
 * Without Java or Maven the run fails with what to install; it never skips Kafka tests silently.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    project.provide('kafkaBrokers', external);
    return undefined;
  }

  const port = process.env.KAFKA_TEST_PORT ? Number(process.env.KAFKA_TEST_PORT) : await freePortPair();
  const broker = await startLocalBroker(port);
  process.env.KAFKA_BROKERS = broker.brokers;
  project.provide('kafkaBrokers', broker.brokers);

  return async () => {
    await stopLocalBroker(port, { purge: true });
    delete process.env.KAFKA_BROKERS;
  };
}
