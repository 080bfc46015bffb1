import { type Probe, subscribe } from './pipeline-events.js';

/** What a transactional stage committed and aborted. */
export interface StageTally {
  /** transactions committed */
  batches: number;
  /** input messages those covered */
  messages: number;
  /** records they wrote */
  emitted: number;
  /** batches and transactions that failed and were rewound to the committed offset */
  aborted: number;
}

/**
 * One instance's counts, kept from its pipeline events (what readiness, the demo's idle
 * check, the benchmarks and the tests read): per stage, what its workers took, dead-lettered
 * and produced, and what its transactions committed.
 */
export class PipelineTally {
  readonly repartition = { events: 0, deadLettered: 0, routed: 0 };
  readonly rules = { events: 0, deadLettered: 0, intents: 0 };
  readonly planning = { intents: 0, repeats: 0, adjustments: 0, deadLettered: 0 };
  readonly writer = { outcomes: 0, deadLettered: 0, pauses: 0, commits: 0 };
  readonly #stages = new Map<string, StageTally>();
  /** records committed per output topic by the transactional stages (the writer's apart) */
  readonly #committed = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(probe: Probe) {
    this.#unsubscribe = subscribe(probe, {
      'stage.processed': (e) => {
        if (e.stage === 'repartition') this.repartition.events++;
        else if (e.stage === 'rules') this.rules.events++;
        else if (e.stage === 'planning') this.planning.intents++;
      },
      'stage.dead-lettered': (e) => {
        if (e.stage === 'repartition') this.repartition.deadLettered++;
        else if (e.stage === 'rules') this.rules.deadLettered++;
        else if (e.stage === 'planning') this.planning.deadLettered++;
      },
      'stage.committed': (e) => {
        const s = this.stage(e.stage);
        s.batches++;
        s.messages += e.messages;
        for (const [topic, n] of e.outputs) {
          s.emitted += n;
          if (e.stage !== 'writer') this.#committed.set(topic, (this.#committed.get(topic) ?? 0) + n);
        }
        if (e.stage === 'writer') this.writer.commits++;
      },
      'stage.aborted': (e) => {
        this.stage(e.stage).aborted++;
      },
      'repartition.routed': () => {
        this.repartition.routed++;
      },
      'rules.intent': () => {
        this.rules.intents++;
      },
      'planning.repeat': () => {
        this.planning.repeats++;
      },
      'planning.adjustment': () => {
        this.planning.adjustments++;
      },
      'writer.settled': (e) => {
        if (e.seconds !== null) this.writer.outcomes++;
        if (e.status === 'dead-lettered') this.writer.deadLettered++;
      },
      'writer.paused': () => {
        this.writer.pauses++;
      },
    });
  }

  /** a stage's commits and aborts (zero for a stage that told none) */
  stage(name: string): StageTally {
    let s = this.#stages.get(name);
    if (!s) {
      s = { batches: 0, messages: 0, emitted: 0, aborted: 0 };
      this.#stages.set(name, s);
    }
    return s;
  }

  /** records committed to `topic` by the transactional stages */
  committed(topic: string): number {
    return this.#committed.get(topic) ?? 0;
  }

  /** stops counting; the counts stay readable */
  close(): void {
    this.#unsubscribe();
  }
}
