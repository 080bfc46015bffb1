import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../config/load.js';
import { encodeTrunkEvent } from '../../events/encode.js';
import { GENERATOR_DEFAULTS, generateSamples } from '../../events/generator.js';
import { createKafka } from '../../kafka/client.js';
import { ensureTopics } from '../../kafka/topics.js';
import { parseInstant } from '../../time/instant.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const usage = `Usage: trunk-reactor produce (--file events.ndjson | --generate) [options]

Publishes trunk utilization events into Kafka at a given rate, keyed by trunk id, with a progress bar.

  --file FILE        events, one JSON object per line; lines are sent as they are (bad ones
                     too, so the pipeline's dead-lettering can be watched)
  --generate         a built-in generator: a daily curve with surges over --trunks trunks
  --count N          events to send with --generate (default 10000)
  --trunks N         trunks for --generate (default 15)
  --start ISO        event time of the first generated round (default now), with an offset
  --rate N           events per second (default 1000; 0 = as fast as possible)
  --config FILE      service config for Kafka settings (brokers, TLS, SASL, topic names)
  --brokers LIST     host:port,… (overrides the config)
  --topic NAME       topic (default: the config's kafka.topics.events); created with
                     kafka.partitions partitions when it does not exist`;

const TICK_MS = 100;

function bar(done: number, total: number, perSec: number): string {
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')} events · ${Math.round(perSec).toLocaleString('en')}/s`;
}

async function* fileMessages(path: string): AsyncGenerator<{ key: string | null; value: string }> {
  for await (const line of createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (line.trim() === '') continue;
    let key: string | null = null;
    try {
      const id = (JSON.parse(line) as { trunkId?: unknown }).trunkId;
      if (typeof id === 'string') key = id;
    } catch {
      // not JSON: sent unkeyed, the pipeline dead-letters it
    }
    yield { key, value: line };
  }
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (line.trim() !== '') n++;
  }
  return n;
}

const command: Command = {
  name: 'produce',
  example: 'trunk-reactor produce --generate --count 10000 --rate 1000 --config config/trunk-reactor.yaml',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      file: { type: 'string' },
      generate: { type: 'boolean', default: false },
      count: { type: 'string', default: '10000' },
      trunks: { type: 'string', default: String(GENERATOR_DEFAULTS.trunks) },
      start: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      config: { type: 'string' },
      brokers: { type: 'string' },
      topic: { type: 'string' },
    });
    if (Boolean(values.file) === Boolean(values.generate))
      throw new UsageError('give exactly one of --file FILE or --generate');
    const num = (name: 'count' | 'trunks' | 'rate', min: number) => {
      const v = Number(values[name]);
      if (!Number.isFinite(v) || v < min || !Number.isInteger(v))
        throw new UsageError(`--${name} must be a whole number ≥ ${min}, got '${values[name]}'`);
      return v;
    };
    const rate = num('rate', 0);
    const env = { ...process.env };
    if (typeof values.brokers === 'string') env.TRUNK_REACTOR_KAFKA__BROKERS = values.brokers;
    const loaded = loadConfig(values.config as string | undefined, env, undefined, {
      wfm: false,
      admin: false,
    });
    const topic = (values.topic as string | undefined) ?? loaded.config.kafka.topics.events;

    let total: number;
    let source:
      | AsyncIterable<{ key: string | null; value: string }>
      | Iterable<{ key: string | null; value: string }>;
    if (values.file) {
      total = await countLines(values.file as string);
      source = fileMessages(values.file as string);
    } else {
      total = num('count', 1);
      let start = Date.now();
      if (typeof values.start === 'string') {
        try {
          start = parseInstant(values.start);
        } catch (err) {
          throw new UsageError(`--start: ${(err as Error).message}`);
        }
      }
      const samples = generateSamples({ ...GENERATOR_DEFAULTS, trunks: num('trunks', 1), start });
      source = (function* () {
        for (let i = 0; i < total; i++) {
          const s = samples.next().value!;
          yield { key: s.trunkId, value: encodeTrunkEvent(s) };
        }
      })();
    }

    const kafka = createKafka({
      kafka: loaded.config.kafka,
      saslPassword: loaded.secrets.saslPassword,
      clientIdSuffix: 'producer',
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // creates the topic with kafka.partitions when it is missing (broker auto-creation is usually off)
      await ensureTopics(
        admin,
        [{ topic, partitions: loaded.config.kafka.partitions }],
        loaded.config.kafka.replicationFactor,
      );
    } finally {
      await admin.disconnect();
    }
    await producer.connect();
    const tty = process.stderr.isTTY === true;
    const started = performance.now();
    let sent = 0;
    let lastPrint = 0;
    const perTick = rate === 0 ? 1000 : Math.max(1, Math.round((rate * TICK_MS) / 1000));
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      let batch: Array<{ key: string | null; value: string }> = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await producer.send({ topic, acks: -1, messages: batch });
        sent += batch.length;
        batch = [];
        const elapsed = (performance.now() - started) / 1000;
        if (performance.now() - lastPrint > 250 || sent === total) {
          lastPrint = performance.now();
          const line = bar(sent, total, sent / Math.max(elapsed, 0.001));
          if (tty) process.stderr.write(`\r${line}`);
          else if (sent === total || sent % Math.max(perTick * 50, 1) < perTick)
            process.stderr.write(`${line}\n`);
        }
        if (rate > 0) {
          const due = started + (sent / rate) * 1000;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      };
      for await (const m of source as AsyncIterable<{ key: string | null; value: string }>) {
        if (stop) break;
        batch.push(m);
        if (batch.length >= perTick) await flush();
      }
      await flush();
    } finally {
      await producer.disconnect();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (tty) process.stderr.write('\n');
    process.stdout.write(`sent ${sent} events to ${topic}${stop ? ' (interrupted)' : ''}\n`);
    return stop ? EXIT.RUNTIME : EXIT.OK;
  },
};

export default command;
