/**
 * kafkajs' consumer `Batch` with its per-message offset check done on numbers.
 *
 * kafkajs 2.2.4 makes a `Batch` of every partition's fetched records and keeps those at or
 * after the fetched offset by parsing each record's offset string into a BigInt-backed `Long`
 * (`Long.fromValue(message.offset).gte(...)`): a string, a BigInt and an object per message,
 * all garbage at once. The lean batch is kafkajs' class (every method inherited) with that
 * check made on the lean records' numeric offsets (lean-record.ts); records that are not
 * lean and offsets past 2^53 take kafkajs' own code. Aborted transactions are dropped by the
 * filter it is given; installed, that is the project's (aborted-transactions.ts), since
 * kafkajs' own lets some of their records through. The three message lists (`rawMessages`,
 * `messagesWithinOffset`, `messages`) hold what kafkajs' would hold; where a list drops nothing
 * of the one before it, it is that same array (kafkajs reads them, never changes them).
 *
 * kafkajs' consumer group module takes `Batch` when it is evaluated, so the lean one has to be
 * in the module cache first: load.ts puts it there and then evaluates kafkajs' consumer. Installed
 * only on the kafkajs version it mirrors (kafkajs' `Batch` stays otherwise).
 */
import { createRequire } from 'node:module';
import { filterAbortedMessages } from './aborted-transactions.js';
import { LeanRecord } from './lean-record.js';
import { type InstallResult, kafkajsReplacementRefused } from './record-decoder.js';

const require = createRequire(import.meta.url);

const BATCH = 'kafkajs/src/consumer/batch.js';

interface KafkajsLong {
  gte(other: KafkajsLong): boolean;
}
interface LongStatics {
  fromValue(v: unknown): KafkajsLong;
}
interface Message {
  offset: string;
  isControlRecord?: boolean;
}
interface PartitionData {
  partition: number;
  highWatermark: string;
  abortedTransactions?: unknown[];
  messages: Message[];
}
interface BatchFields {
  rawMessages: Message[];
  messagesWithinOffset: Message[];
  messages: Message[];
}
export type BatchClass = new (topic: string, fetchedOffset: string, data: PartitionData) => BatchFields;
type FilterAborted = (o: { messages: Message[]; abortedTransactions?: unknown[] }) => Message[];

const NO_MESSAGES: Message[] = [];

/** kafkajs' `Batch` class, with the offset check on numbers where it can be (see above). */
export function leanBatchClass(Batch: BatchClass, filterAbortedMessages: FilterAborted, Long: LongStatics) {
  return class LeanBatch extends Batch {
    constructor(topic: string, fetchedOffset: string, partitionData: PartitionData) {
      // kafkajs' constructor over no messages sets every other field as it would
      super(topic, fetchedOffset, { ...partitionData, messages: NO_MESSAGES });
      const messages = partitionData.messages;
      this.rawMessages = messages;
      this.messagesWithinOffset = withinOffset(messages, fetchedOffset, Long);
      const { abortedTransactions } = partitionData;
      const committed =
        abortedTransactions && abortedTransactions.length > 0
          ? filterAbortedMessages({ messages: this.messagesWithinOffset, abortedTransactions })
          : this.messagesWithinOffset;
      this.messages = committed.some((m) => m.isControlRecord)
        ? committed.filter((m) => !m.isControlRecord)
        : committed;
    }
  };
}

/**
 * The messages at or after `fetchedOffset`, as kafkajs' Batch keeps them. Usually they are all
 * of them, or all but the first few (the broker sends whole record batches, the fetch may start
 * inside one): then the list itself, or one slice of it, instead of an array grown message by
 * message. A list that nothing was dropped from is shared between the batch's fields (kafkajs
 * never changes them).
 */
function withinOffset(messages: Message[], fetchedOffset: string, Long: LongStatics): Message[] {
  const from = Number(fetchedOffset);
  const safe = Number.isSafeInteger(from) && String(from) === fetchedOffset;
  if (safe) {
    // the first message kept; then every later one must be kept too for a slice to do
    let first = -1;
    let tail = true;
    for (let i = 0; i < messages.length && tail; i++) {
      const m = messages[i]!;
      const n = m instanceof LeanRecord ? m.offsetNumber : undefined;
      if (n === undefined) tail = false;
      else if (n >= from) {
        if (first < 0) first = i;
      } else if (first >= 0) tail = false;
    }
    if (tail) return first === 0 ? messages : first < 0 ? [] : messages.slice(first);
  }
  let fromLong: KafkajsLong | undefined;
  return messages.filter((m) => {
    const n = safe && m instanceof LeanRecord ? m.offsetNumber : undefined;
    if (n !== undefined) return n >= from;
    fromLong ??= Long.fromValue(fetchedOffset);
    return Long.fromValue(m.offset).gte(fromLong);
  });
}

let installed: InstallResult | undefined;

/**
 * Puts the lean batch in kafkajs' module cache, once per process (load.ts, before kafkajs'
 * consumer group is evaluated).
 */
export function installLeanBatch(): InstallResult {
  installed ??= install();
  return installed;
}

function install(): InstallResult {
  const refused = kafkajsReplacementRefused('batches', 'lean batch');
  if (refused) return refused;
  const batchPath = require.resolve(BATCH);
  const Batch = require(batchPath) as BatchClass;
  const cached = require.cache[batchPath];
  if (!cached) return { installed: false, reason: "kafkajs' Batch is not in the module cache" };
  lean = leanBatchClass(
    Batch,
    filterAbortedMessages as unknown as FilterAborted,
    require('kafkajs/src/utils/long.js') as LongStatics,
  );
  cached.exports = lean;
  return { installed: true };
}

let lean: BatchClass | undefined;

/** Whether kafkajs' consumer group makes lean batches (it takes `Batch` from the module cache). */
export function leanBatchInUse(): boolean {
  return lean !== undefined && require(BATCH) === lean;
}
