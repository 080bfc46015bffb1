/**
 * kafkajs asks the cluster for a coordinator (a FindCoordinator request) every time it needs
 * one: a transaction asks for its transaction coordinator three times (AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn) and for the consumer group's coordinator once more (TxnOffsetCommit),
 * so four of a transaction's nine round trips only find what the previous transaction found.
 * This keeps each cluster's answers, per coordinator type and key (transactional id or group),
 * and asks again once any doubt arises:
 *
 * - a request to the coordinator that fails (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 *   COORDINATOR_LOAD_IN_PROGRESS, a broken connection, any error) forgets every answer that
 *   named that broker: kafkajs' retry of the operation then finds the coordinator afresh, as
 *   it would without the cache;
 * - a metadata refresh (kafkajs refreshes on errors that suggest the cluster changed) and a
 *   disconnect forget all of the cluster's answers;
 * - a lookup that failed is not kept.
 *
 * Installed on kafkajs' `Cluster` and `Broker` classes by load.ts (their prototypes, so every
 * client kafkajs makes has it); `TR_KAFKAJS_COORDINATOR_CACHE=off` leaves kafkajs as it is.
 */

/** what the cache needs of kafkajs' Cluster */
export interface ClusterLike {
  findGroupCoordinator(args: { groupId: string; coordinatorType?: number }): Promise<unknown>;
  refreshMetadata(): Promise<void>;
  disconnect(): Promise<void>;
}

/** the Broker requests that go to a group or transaction coordinator */
export const COORDINATOR_REQUESTS = [
  'heartbeat',
  'joinGroup',
  'leaveGroup',
  'syncGroup',
  'offsetCommit',
  'offsetFetch',
  'initProducerId',
  'addPartitionsToTxn',
  'addOffsetsToTxn',
  'txnOffsetCommit',
  'endTxn',
] as const;

type Prototype = Record<string, unknown>;
/** an answer, and the broker it named once known */
interface Answer {
  asked: Promise<unknown>;
  broker?: unknown;
}
type Answers = Map<string, Answer>;

const INSTALLED = Symbol.for('trunk-reactor.coordinator-cache');
/** each cluster's answers */
const answersOf = new WeakMap<object, Answers>();
/** every cluster's answers, to forget those naming a broker whatever cluster asked */
const allAnswers = new Set<WeakRef<Answers>>();

export function coordinatorCacheEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TR_KAFKAJS_COORDINATOR_CACHE !== 'off';
}

/** Puts the cache on kafkajs' Cluster and Broker prototypes (once; later calls do nothing). */
export function installCoordinatorCache(cluster: Prototype, broker: Prototype): void {
  if (cluster[INSTALLED as unknown as string]) return;
  Object.defineProperty(cluster, INSTALLED, { value: true });

  const find = cluster.findGroupCoordinator as ClusterLike['findGroupCoordinator'];
  cluster.findGroupCoordinator = function (
    this: object,
    args: { groupId: string; coordinatorType?: number },
  ) {
    let answers = answersOf.get(this);
    if (!answers) {
      answers = new Map();
      answersOf.set(this, answers);
      allAnswers.add(new WeakRef(answers));
    }
    const key = `${args.coordinatorType ?? 0}\u0000${args.groupId}`;
    const kept = answers.get(key);
    if (kept) return kept.asked;
    const answer: Answer = { asked: find.call(this, args) };
    answers.set(key, answer);
    const mine = answers;
    answer.asked.then(
      (b) => {
        answer.broker = b;
      },
      () => {
        if (mine.get(key) === answer) mine.delete(key);
      },
    );
    return answer.asked;
  };

  for (const name of ['refreshMetadata', 'disconnect'] as const) {
    const original = cluster[name] as (this: object, ...args: unknown[]) => Promise<unknown>;
    cluster[name] = function (this: object, ...args: unknown[]) {
      answersOf.get(this)?.clear();
      return original.apply(this, args);
    };
  }

  for (const name of COORDINATOR_REQUESTS) {
    const original = broker[name] as ((this: object, ...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof original !== 'function') continue;
    broker[name] = function (this: object, ...args: unknown[]) {
      return original.apply(this, args).catch((err: unknown) => {
        forgetBroker(this);
        throw err;
      });
    };
  }
}

/** Forgets every answer, of any cluster, that named `broker`. */
function forgetBroker(broker: object): void {
  for (const ref of allAnswers) {
    const answers = ref.deref();
    if (!answers) {
      allAnswers.delete(ref);
      continue;
    }
    // an answer still pending may name it too: not kept either
    for (const [key, answer] of answers)
      if (answer.broker === broker || !('broker' in answer)) answers.delete(key);
  }
}
