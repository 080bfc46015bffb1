import type { Logger } from 'pino';
import type { Probe } from '../observability/pipeline-events.js';
import type { Adjustment } from '../planner/adjustment.js';
import type { Clock } from '../time/clock.js';
import type { PublishWindow } from '../time/publish-window.js';
import type { WfmAdapter } from '../wfm/adapter.js';
import type { Shift } from '../wfm/contract.js';
import type { Outcome } from '../writer/outcome.js';
import { Writer } from '../writer/writer.js';
import { type WriterSettings, writerOptionsFrom } from '../writer/writer-settings.js';
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
  /** the config's `writer:` section */
  settings?: WriterSettings;
  /** [0, 1) source for jitter; tests pin it */
  random?: () => number;
  /** where each adjustment received and every outcome record are told (the status page) */
  probe?: Probe;
}

export interface WriterApplier extends AdjustmentApplier {
  /** shifts read elsewhere in this process (the planner's lists): their versions for the first writes */
  remember(shifts: readonly Shift[]): void;
}

export function writerApplier(o: WriterAdapterOptions): WriterApplier {
  const listeners: Array<(outcome: Outcome) => void> = [];
  const writer = new Writer({
    ...(o.settings ? writerOptionsFrom(o.settings) : {}),
    adapter: o.adapter,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.publishWindow ? { publishWindow: o.publishWindow } : {}),
    ...(o.businessUnit ? { businessUnit: o.businessUnit } : {}),
    ...(o.random ? { random: o.random } : {}),
    sink: {
      record(outcome) {
        o.probe?.outcome(outcome);
        if (outcome.status === 'deferred') for (const l of listeners) l(outcome);
      },
    },
  });
  return {
    apply: (a: Adjustment) => {
      o.probe?.received(a);
      return writer.submit(a);
    },
    remember: (shifts) => writer.remember(shifts),
    onDeferred: (l) => {
      listeners.push(l);
    },
    get inProgress() {
      return writer.inProgress;
    },
    close: () => writer.close(),
  };
}
