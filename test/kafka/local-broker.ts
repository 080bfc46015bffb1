import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Drives scripts/kafka/{start,stop}.sh from tests: the test suite's broker (test/setup/global-kafka.ts)
 * and the extra brokers a test may start for itself, e.g. to restart one without disturbing others.
 */

const run = promisify(execFile);
const scriptsDir = fileURLToPath(new URL('../../scripts/kafka/', import.meta.url));

/** Exit code of the scripts when `java`, `mvn` or `node` is missing (see scripts/kafka/env.sh). */
const MISSING_TOOL_EXIT = 3;

export interface LocalBroker {
  /** Client port; the KRaft controller listens on port + 1. */
  readonly port: number;
  /** Bootstrap address for kafkajs, e.g. `127.0.0.1:19092`. */
  readonly brokers: string;
}

export class LocalBrokerError extends Error {
  readonly code: 'KAFKA_TOOL_MISSING' | 'KAFKA_SCRIPT_FAILED';
  constructor(message: string, code: LocalBrokerError['code'], options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalBrokerError';
    this.code = code;
  }
}

async function runScript(script: string, port: number, args: string[] = []): Promise<void> {
  // A controller port or data dir set for another broker must not leak into this one.
  const { KAFKA_CONTROLLER_PORT: _c, KAFKA_DATA_DIR: _d, ...env } = process.env;
  try {
    await run('bash', [scriptsDir + script, ...args], {
      env: { ...env, KAFKA_PORT: String(port) },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    const output = `${stdout ?? ''}${stderr ?? ''}`.trim();
    if (code === MISSING_TOOL_EXIT) {
      throw new LocalBrokerError(output, 'KAFKA_TOOL_MISSING', { cause: error });
    }
    throw new LocalBrokerError(
      `scripts/kafka/${script} ${args.join(' ')} failed (exit ${code}):\n${output}`,
      'KAFKA_SCRIPT_FAILED',
      {
        cause: error,
      },
    );
  }
}

/** Starts a broker on `port` (wiping its data dir unless `keepData`) and resolves once it serves metadata. */
export async function startLocalBroker(
  port: number,
  options: { keepData?: boolean } = {},
): Promise<LocalBroker> {
  await runScript('start.sh', port, options.keepData ? ['--keep-data'] : []);
  return { port, brokers: `127.0.0.1:${port}` };
}

/** Stops the broker on `port` with SIGTERM (SIGKILL if it hangs); `purge` deletes its data dir too. */
export async function stopLocalBroker(port: number, options: { purge?: boolean } = {}): Promise<void> {
  await runScript('stop.sh', port, options.purge ? ['--purge'] : []);
}

/** Stops the broker on `port` cleanly and starts it again on the same data dir. */
export async function restartLocalBroker(port: number): Promise<LocalBroker> {
  await stopLocalBroker(port);
  return startLocalBroker(port, { keepData: true });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A port `p` with `p + 1` also free, for a broker and its controller. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await ephemeralPort();
    if (port < 65535 && (await canListen(port + 1))) return port;
  }
  throw new Error('found no two adjacent free ports on 127.0.0.1 for a test Kafka broker');
}
