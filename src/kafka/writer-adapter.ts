import type { Logger } from 'pino';
import type { Adjustment } from '../planner/adjustment.js';
import type { Clock } from '../time/clock.js';
import type { PublishWindow } from '../time/publish-window.js';
import type { WfmAdapter } from '../wfm/adapter.js';
import type { Outcome } from '../writer/outcome.js';
import { Writer } from '../writer/writer.js';
import type { PipelineObserver } from './observer.js';
import type { AdjustmentApplier } from './ports.js';

/**
 * The one file that knows the Writer's API. Terminal outcomes come back from `apply`
 * (the writer stage publishes them in its transaction); `deferred` records, which the
 * writer hands its sink while it waits out a publish window, go to `onDeferred`
 * listeners so the stage can pause that partition.
 */
export interface WriterAdapterOptions {
  adapter: WfmAdapter;
  clock?: Clock;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  concurrency?: number;
  publishWindow?: PublishWindow;
  businessUnit?: { timeZone: string };
  /** told of each adjustment received and every outcome record (the status page) */
  observer?: Pick<PipelineObserver, 'adjustment' | 'outcome'>;
}

export function writerApplier(o: WriterAdapterOptions): AdjustmentApplier {
  const listeners: Array<(outcome: Outcome) => void> = [];
  const writer = new Writer({
    adapter: o.adapter,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.publishWindow ? { publishWindow: o.publishWindow } : {}),
    ...(o.businessUnit ? { businessUnit: o.businessUnit } : {}),
    sink: {
      record(outcome) {
        o.observer?.outcome?.(outcome);
        if (outcome.status === 'deferred') for (const l of listeners) l(outcome);
      },
    },
  });
  return {
    apply: (a: Adjustment) => {
      o.observer?.adjustment?.(a);
      return writer.submit(a);
    },
    onDeferred: (l) => {
      listeners.push(l);
    },
    get inProgress() {
      return writer.inProgress;
    },
    close: () => writer.close(),
  };
}
