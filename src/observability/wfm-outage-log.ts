import type { Logger } from 'pino';
import { formatDuration } from '../rules/duration.js';
import type { Clock } from '../time/clock.js';
import type { WfmRequestEvent } from '../wfm/http-client.js';

/**
 * The WFM going unreachable, in the log: once when it starts, a summary once a minute while it
 * lasts, once when it answers again — never a line per request (the client logs those at debug).
 *
 * It reads the WFM client's finished requests. A request the WFM did not answer (a timeout, a
 * refused or reset connection) or answered with a 5xx failed; any other answer, a 4xx included,
 * means the WFM is there. A request its caller abandoned (shutdown, a deadline) tells nothing.
 * Failures with no answer between them are an outage once there are `outageAfterFailures` of
 * them over at least `outageAfterMs`: a failure or two that a retry cures is not one. The lines
 * are at error while writes fail (adjustments are not being applied), at warn while only reads
 * do (planning waits, the readiness probe fails); an outage that starts with reads and then
 * fails a write says so at error at once. Pure but for the log: the clock is injected, `tick`
 * drives the summaries (`start` calls it on a timer).
 */

export const WFM_OUTAGE_DEFAULTS = {
  /** failed requests, none answered between, before the WFM counts as unreachable */
  outageAfterFailures: 3,
  /** ...spanning at least this long, milliseconds */
  outageAfterMs: 10_000,
  /** a summary while it lasts, this often, milliseconds */
  summaryEveryMs: 60_000,
  /** how often `start`'s timer calls `tick`, milliseconds */
  tickEveryMs: 5_000,
} as const;

/** What the writer has made of the outage so far (from the pipeline), for the summaries. */
export interface WriterBacklog {
  /** adjustments not yet applied (the writer group's lag), when known */
  waiting?: number;
  /** adjustments dead-lettered since the process started */
  deadLettered?: number;
}

export interface WfmOutageLogOptions {
  logger: Pick<Logger, 'warn' | 'error'>;
  clock: Pick<Clock, 'now'>;
  /** read for each summary and for the recovery line */
  backlog?: () => WriterBacklog;
  outageAfterFailures?: number;
  outageAfterMs?: number;
  summaryEveryMs?: number;
  tickEveryMs?: number;
}

const WRITES: ReadonlySet<string> = new Set(['patch-shift', 'swap-shifts']);
/** a Genesys Cloud write: the upload's three steps */
const GENESYS_WRITE = /\/update(\/uploadurl)?$|^genesys storage PUT/;

/** Failed requests with no answer between them. */
interface Failing {
  since: number;
  failures: number;
  writes: number;
  last: { route: WfmRequestEvent['route']; status: number | undefined; code: string | undefined };
}

/** An outage being reported: `Failing` plus what the log has said. */
interface Outage extends Failing {
  summarizedAt: number;
  /** a line at error went out (writes were failing) */
  escalated: boolean;
  /** the writer's dead letters when it began */
  deadLetteredBefore: number | undefined;
}

type State = { kind: 'answering' } | { kind: 'failing'; f: Failing } | { kind: 'unreachable'; o: Outage };

export class WfmOutageLog {
  readonly #o: Required<Omit<WfmOutageLogOptions, 'backlog'>> & Pick<WfmOutageLogOptions, 'backlog'>;
  #state: State = { kind: 'answering' };
  #timer: NodeJS.Timeout | undefined;

  constructor(o: WfmOutageLogOptions) {
    this.#o = { ...WFM_OUTAGE_DEFAULTS, ...o };
  }

  /** true while an outage is being reported */
  get unreachable(): boolean {
    return this.#state.kind === 'unreachable';
  }

  /** A finished request of the WFM client (its `onRequest`). */
  request(e: WfmRequestEvent): void {
    const outcome = outcomeOf(e);
    if (outcome === 'unknown') return;
    const now = this.#o.clock.now();
    const s = this.#state;
    if (outcome === 'answered') {
      if (s.kind === 'unreachable') this.#recovered(s.o, now);
      this.#state = { kind: 'answering' };
      return;
    }
    const write = WRITES.has(e.route) || GENESYS_WRITE.test(e.route);
    const last = { route: e.route, status: e.status, code: e.code };
    if (s.kind === 'unreachable') {
      s.o.failures++;
      if (write) s.o.writes++;
      s.o.last = last;
      if (write && !s.o.escalated) {
        s.o.escalated = true;
        this.#o.logger.error(
          { wfm: this.#fields(s.o, now) },
          `WFM unreachable for ${formatDuration(roundToSecond(now - s.o.since))}, and writes fail now: adjustments are not being applied`,
        );
      }
      return;
    }
    const f: Failing = s.kind === 'failing' ? s.f : { since: now, failures: 0, writes: 0, last };
    f.failures++;
    if (write) f.writes++;
    f.last = last;
    if (f.failures >= this.#o.outageAfterFailures && now - f.since >= this.#o.outageAfterMs) {
      this.#began(f, now);
    } else {
      this.#state = { kind: 'failing', f };
    }
  }

  /** Logs a summary when one is due. */
  tick(): void {
    const s = this.#state;
    if (s.kind !== 'unreachable') return;
    const now = this.#o.clock.now();
    if (now - s.o.summarizedAt < this.#o.summaryEveryMs) return;
    s.o.summarizedAt = now;
    const fields = this.#fields(s.o, now);
    const backlog = this.#backlogSince(s.o);
    const log = s.o.writes > 0 ? this.#o.logger.error : this.#o.logger.warn;
    log.call(
      this.#o.logger,
      { wfm: { ...fields, ...backlog } },
      `WFM still unreachable after ${formatDuration(roundToSecond(now - s.o.since))}: ${describeFailures(s.o)}, none answered${describeBacklog(backlog)}`,
    );
  }

  /** Calls `tick` every `tickEveryMs` until `stop`; the timer keeps no process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.#o.tickEveryMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #began(f: Failing, now: number): void {
    const o: Outage = {
      ...f,
      summarizedAt: now,
      escalated: f.writes > 0,
      deadLetteredBefore: this.#o.backlog?.().deadLettered,
    };
    this.#state = { kind: 'unreachable', o };
    const log = o.escalated ? this.#o.logger.error : this.#o.logger.warn;
    log.call(
      this.#o.logger,
      { wfm: this.#fields(o, now) },
      `WFM unreachable: ${describeFailures(o)} over ${formatDuration(roundToSecond(now - o.since))}, none answered (last: ${describeLast(o)}); ${
        o.escalated
          ? 'adjustments are not being applied: they wait and are retried, or are dead-lettered when their attempt budget runs out'
          : 'schedule reads fail: planning waits, /readyz answers 503'
      }`,
    );
  }

  #recovered(o: Outage, now: number): void {
    const backlog = this.#backlogSince(o);
    this.#o.logger.warn(
      { wfm: { ...this.#fields(o, now), ...backlog } },
      `WFM answering again after ${formatDuration(roundToSecond(now - o.since))} unreachable: ${describeFailures(o)} while it lasted${describeBacklog(backlog)}`,
    );
  }

  #fields(o: Failing, now: number) {
    return {
      since: new Date(o.since).toISOString(),
      forMs: now - o.since,
      failed: o.failures,
      writesFailed: o.writes,
      last: o.last,
    };
  }

  /** waiting now, and dead-lettered since the outage began */
  #backlogSince(o: Outage): { waiting?: number; deadLettered?: number } {
    const b = this.#o.backlog?.();
    if (!b) return {};
    return {
      ...(b.waiting !== undefined ? { waiting: b.waiting } : {}),
      ...(b.deadLettered !== undefined ? { deadLettered: b.deadLettered - (o.deadLetteredBefore ?? 0) } : {}),
    };
  }
}

function outcomeOf(e: WfmRequestEvent): 'answered' | 'failed' | 'unknown' {
  if (e.status !== undefined) return e.status >= 500 ? 'failed' : 'answered';
  // no answer: a timeout or a connection refused or reset fails; an abandoned request tells nothing
  return e.code === 'TR_ERR_WFM_TIMEOUT' || e.code === 'TR_ERR_WFM_CONNECTION' ? 'failed' : 'unknown';
}

function describeFailures(o: Failing): string {
  const requests = `${o.failures} request${o.failures === 1 ? '' : 's'} failed`;
  return o.writes > 0 ? `${requests} (${o.writes} write${o.writes === 1 ? '' : 's'})` : requests;
}

function describeLast(o: Failing): string {
  const what = o.last.status !== undefined ? `${o.last.status}` : 'no answer';
  return `${o.last.route} ${what}${o.last.code ? ` ${o.last.code}` : ''}`;
}

function describeBacklog(b: { waiting?: number; deadLettered?: number }): string {
  const parts: string[] = [];
  if (b.waiting !== undefined) parts.push(`${b.waiting} adjustments waiting`);
  if (b.deadLettered !== undefined) parts.push(`${b.deadLettered} dead-lettered since it began`);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}

function roundToSecond(ms: number): number {
  return Math.round(ms / 1_000) * 1_000;
}
