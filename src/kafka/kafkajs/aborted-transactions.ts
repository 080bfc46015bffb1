/**
 * What a `read_committed` consumer keeps of a fetched partition: every record but those of
 * aborted transactions.
 *
 * The broker answers a fetch with the records up to the last stable offset and the aborted
 * transactions among them (producer id and first offset); a transaction's records end at its
 * producer's abort marker. kafkajs 2.2.4's filter (`consumer/filterAbortedMessages.js`) takes
 * that list as if it were ordered by first offset and moves past at most one entry per record.
 * The broker lists them in the order they ended: its transaction index is appended at each
 * abort marker. So when two producers' transactions overlap and the one that started later is
 * aborted first — as when an instance is killed with several open and its successor's producers
 * abort them one by one — every record the other wrote before that later start is delivered as
 * if it had committed, and then its successor's copy of the same input too. The Java consumer
 * orders the list by first offset (a priority queue, `CompletedFetch`) and takes every entry a
 * record has reached; so does this.
 */
import { createRequire } from 'node:module';
import type { InstallResult } from './record-decoder.js';

const require = createRequire(import.meta.url);

/** What of a fetched record the filter reads (kafkajs' and the lean records have it). */
export interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

export interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

/**
 * The records of `messages` (one partition's, in offset order) that are not in an aborted
 * transaction; control records are kept (the caller drops them), as kafkajs' filter does.
 */
export function filterAbortedMessages<M extends FetchedRecord>({
  messages,
  abortedTransactions,
}: {
  messages: M[];
  abortedTransactions?: readonly AbortedTransaction[] | undefined;
}): M[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = abortedTransactions
    .map((t) => ({ producerId: t.producerId, first: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = 0;
  /** producers inside an aborted transaction at the current record */
  const aborting = new Set<string>();
  return messages.filter((m) => {
    if (next < pending.length) {
      const offset = BigInt(m.offset);
      while (next < pending.length && pending[next]!.first <= offset)
        aborting.add(pending[next++]!.producerId);
    }
    const { producerId, inTransaction } = m.batchContext;
    if (m.isControlRecord) {
      if (isAbortMarker(m.key)) aborting.delete(producerId);
      return true;
    }
    return !(inTransaction && aborting.has(producerId));
  });
}

/** A control record's key is its version and type (int16 each); type 0 is ABORT, 1 COMMIT. */
function isAbortMarker(key: Buffer | null): boolean {
  return key !== null && key.length >= 4 && key.readInt16BE(2) === 0;
}

const KAFKAJS_FILTER = 'kafkajs/src/consumer/filterAbortedMessages.js';

let installed: InstallResult | undefined;

/**
 * Puts `filterAbortedMessages` in place of kafkajs' own in kafkajs' module cache, once per
 * process, so that kafkajs' `Batch` uses it when the lean batch (lean-batch.ts, which uses this
 * filter itself) is not installed. Not tied to a kafkajs version nor to the lean parts' opt-out:
 * it is a correction, not a speed-up. load.ts runs it before kafkajs' `Batch` is evaluated.
 */
export function installAbortedTransactionFilter(): InstallResult {
  installed ??= install();
  return installed;
}

function install(): InstallResult {
  let filterPath: string;
  try {
    filterPath = require.resolve(KAFKAJS_FILTER);
  } catch {
    return { installed: false, reason: `${KAFKAJS_FILTER} is not in this kafkajs` };
  }
  require(filterPath);
  const cached = require.cache[filterPath];
  if (!cached)
    return { installed: false, reason: "kafkajs' aborted-transaction filter is not in the module cache" };
  cached.exports = filterAbortedMessages;
  return { installed: true };
}
