/** The transactional stage runtime lives in stage/; this path names its public parts. */

export { type StageOptions, TransactionalStage } from './kafkajs/group-consumer.js';
export { committedPositions } from './stage/committed-positions.js';
export type {
  Checkpoint,
  CommittedPosition,
  Output,
  PartitionWorker,
  StageProcessor,
} from './stage/worker.js';
