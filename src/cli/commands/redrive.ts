import { loadConfig } from '../../config/load.js';
import { createKafka } from '../../kafka/client.js';
import { DLQ_HEADERS } from '../../kafka/dead-letter.js';
import type { ConsumedHeaders, Message } from '../../kafka/port.js';
import { type Command, EXIT } from '../command.js';
import { parseFlags } from '../parse-flags.js';

/** A dead letter naming an undecodable record batch by its offsets: it carries none of the batch. */
const UNDECODABLE = 'TR_ERR_EVENT_BATCH_UNDECODABLE';

const usage = `Usage: trunk-reactor redrive --config FILE [--stage S] [--code CODE]... [--dry-run]

Sends dead-lettered records back to the topic they came from (header tr-original-topic), key and
bytes unchanged. Adjustments keep their idempotency keys, so a redrive after a WFM outage applies
each one once, whatever already landed. Events the rules stage refused name the events topic the
producer wrote them to (not the internal repartition topic), so they go through the repartition hop
again, into every lane; one refused in several lanes is sent once. A record cut to fit the
dead-letter topic (header tr-truncated) is never sent. Progress is kept per filter in the consumer
group <groupId>-redrive-<stage>[+codes]: the same command run again only picks up what was
dead-lettered since.

  --config FILE   service config (Kafka settings and topic names)
  --brokers LIST  host:port,… (overrides the config)
  --stage S       only records dead-lettered by this stage (default: writer — adjustments the WFM
                  could not take; events refused by the rules stage would only fail again)
  --code CODE     only records with this error code (repeatable), e.g. TR_ERR_WRITER_RETRY_BUDGET_EXHAUSTED
  --dry-run       list what would be redriven; move nothing`;

const header = (h: ConsumedHeaders | undefined, name: string): string | undefined => {
  const v = h?.[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? String(v[0]) : String(v);
};

const command: Command = {
  name: 'redrive',
  example: 'trunk-reactor redrive --config config/trunk-reactor.yaml --dry-run',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      config: { type: 'string' },
      brokers: { type: 'string' },
      stage: { type: 'string', default: 'writer' },
      code: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
    });
    const env = { ...process.env };
    if (typeof values.brokers === 'string') env.TRUNK_REACTOR_KAFKA__BROKERS = values.brokers;
    const { config, secrets } = loadConfig(values.config as string | undefined, env, undefined, {
      wfm: false,
      admin: false,
    });
    const codes = new Set((values.code as string[] | undefined) ?? []);
    const stage = values.stage as string;
    const dryRun = values['dry-run'] === true;
    const dlq = config.kafka.topics.deadLetter;
    const kafka = createKafka({
      kafka: config.kafka,
      saslPassword: secrets.saslPassword,
      clientIdSuffix: 'redrive',
    });

    // Redrive up to the end of the dead-letter topic as it is now, then stop.
    const admin = kafka.admin();
    await admin.connect();
    const ends = new Map((await admin.fetchTopicOffsets(dlq)).map((p) => [p.partition, BigInt(p.high)]));
    await admin.disconnect();

    // One progress cursor per filter: a run for one error code must not use up the records a
    // later stage-wide run should see. A record two filters match is redriven by each; the
    // idempotency keys make the second one harmless.
    const filter = [stage, ...[...codes].sort()].join('+');
    const groupId = `${config.kafka.groupId}-redrive-${filter}`;
    const consumer = kafka.groupConsumer({
      name: 'redrive',
      groupId,
      topic: dlq,
      logger: { warn: () => {}, error: () => {} },
      onFatal: (err) => failed(err),
    });
    let failed: (err: unknown) => void = () => {};
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const counts = { read: 0, redriven: 0, skipped: 0, repeats: 0, truncated: 0 };
    // a sample late in two lanes has two dead letters naming one producer record: send it once
    const sent = new Set<string>();
    const done = new Set<number>([...ends].filter(([, end]) => end === 0n).map(([p]) => p));
    try {
      if (done.size < ends.size) {
        await new Promise<void>((resolve, reject) => {
          failed = reject;
          consumer
            .run({
              concurrency: 1,
              stopping: () => done.size >= ends.size,
              batch: async ({ batch, resolveOffset, heartbeat }) => {
                const out = new Map<string, Message[]>();
                for (const m of batch.messages) {
                  if (BigInt(m.offset) >= (ends.get(batch.partition) ?? 0n)) break;
                  counts.read++;
                  const target = header(m.headers, DLQ_HEADERS.topic);
                  const code = header(m.headers, DLQ_HEADERS.code) ?? '';
                  const from = header(m.headers, DLQ_HEADERS.stage);
                  const at = [DLQ_HEADERS.partition, DLQ_HEADERS.offset].map((h) => header(m.headers, h));
                  const origin = at.includes(undefined) ? undefined : `${target}/${at[0]}@${at[1]}`;
                  if (!target || from !== stage || (codes.size > 0 && !codes.has(code))) {
                    counts.skipped++;
                  } else if (code === UNDECODABLE) {
                    // the record names a batch by its offsets and carries none of it: its records stay in their topic
                    counts.truncated++;
                    process.stdout.write(
                      `not redriven: ${dlq}/${batch.partition}@${m.offset} names a record batch that could not be decoded (${target}/${header(m.headers, DLQ_HEADERS.partition) ?? '?'} offsets ${header(m.headers, DLQ_HEADERS.offset) ?? '?'}–${header(m.headers, DLQ_HEADERS.lastOffset) ?? '?'}); read those offsets with a client that can decode them\n`,
                    );
                  } else if (header(m.headers, DLQ_HEADERS.truncated) !== undefined) {
                    // a part of the value is not a record to process
                    counts.truncated++;
                    process.stdout.write(
                      `not redriven: ${dlq}/${batch.partition}@${m.offset} was cut to fit the dead-letter topic (${origin ?? target})\n`,
                    );
                  } else if (origin !== undefined && sent.has(origin)) {
                    counts.repeats++;
                  } else {
                    if (origin !== undefined) sent.add(origin);
                    counts.redriven++;
                    process.stdout.write(
                      `${dryRun ? 'would redrive' : 'redrive'} ${dlq}/${batch.partition}@${m.offset} → ${target} (${code})\n`,
                    );
                    const list = out.get(target) ?? [];
                    list.push({
                      key: m.key,
                      value: m.value,
                      headers: { 'tr-redriven-from': `${dlq}/${batch.partition}@${m.offset}` },
                    });
                    out.set(target, list);
                  }
                  resolveOffset(m.offset);
                }
                if (!dryRun) {
                  for (const [topic, messages] of out) await producer.send({ topic, acks: -1, messages });
                  const last = batch.messages
                    .filter((m) => BigInt(m.offset) < (ends.get(batch.partition) ?? 0n))
                    .at(-1);
                  // committed only after the records are safely in their topic: a crash redrives at most once more,
                  // and the idempotency keys make that harmless
                  if (last)
                    await consumer.commitOffset(batch.partition, (BigInt(last.offset) + 1n).toString());
                }
                await heartbeat();
                const lastOffset = BigInt(batch.lastOffset());
                if (lastOffset + 1n >= (ends.get(batch.partition) ?? 0n)) done.add(batch.partition);
                if (done.size >= ends.size) resolve();
              },
              // partitions with nothing new since the last redrive never deliver a batch
              assigned: () => {
                void (async () => {
                  const a = kafka.admin();
                  await a.connect();
                  const committed = await a.fetchOffsets({ groupId, topics: [dlq] });
                  await a.disconnect();
                  for (const p of committed[0]?.partitions ?? []) {
                    if (p.offset !== '-1' && BigInt(p.offset) >= (ends.get(p.partition) ?? 0n))
                      done.add(p.partition);
                  }
                  if (done.size >= ends.size) resolve();
                })().catch(reject);
              },
            })
            .catch(reject);
        });
      }
    } finally {
      await Promise.all([consumer.disconnect(), producer.disconnect()]);
    }
    process.stdout.write(
      `${dryRun ? 'dry run: ' : ''}${counts.redriven} redriven, ${counts.skipped} left (other stage or code), ${counts.read} read from ${dlq}${counts.repeats > 0 ? `, ${counts.repeats} naming a record already redriven` : ''}${counts.truncated > 0 ? `, ${counts.truncated} truncated or naming an undecodable batch (not redriven)` : ''}\n`,
    );
    return EXIT.OK;
  },
};

export default command;
