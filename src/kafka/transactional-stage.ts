/** The transactional stage runtime lives in stage/; this path names its public parts. */
export { committedPositions } from './stage/committed-positions.js';
export { type StageOptions, TransactionalStage } from './stage/kafkajs-driver.js';
export type {
  Checkpoint,
  CommittedPosition,
  Output,
  PartitionWorker,
  StageProcessor,
} from './stage/worker.js';
