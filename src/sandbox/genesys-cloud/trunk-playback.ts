export type PlaybackState = 'ready' | 'playing' | 'paused' | 'finished';

/** The moves each state allows; `reset` returns any state to ready. */
const TRANSITIONS: Record<PlaybackState, readonly PlaybackState[]> = {
  ready: ['playing', 'paused', 'finished'],
  playing: ['playing', 'paused', 'finished'],
  paused: ['playing', 'paused', 'finished'],
  finished: [],
};

/** A move the playback's state does not allow: step while playing, play once finished. */
export class PlaybackTransitionError extends Error {
  readonly code = 'TR_ERR_TRUNK_PLAYBACK';
  readonly retriable = false;
  constructor(
    readonly from: PlaybackState,
    readonly to: PlaybackState,
    fix: string,
  ) {
    super(`the trunk scenario is ${from}; it cannot go ${to}: ${fix}`);
    this.name = 'PlaybackTransitionError';
  }
}

/** A run of timeline entries to publish, [from, to). */
export interface EntryRange {
  from: number;
  to: number;
}

/**
 * Where a scenario's playback stands, as a state machine over the timeline's entries. Playing
 * maps eventTime onto wall time: from the playhead at `play`, an entry `t` ms of event time
 * later is due `t / speed` ms of wall time later. Pausing keeps the playhead where it is (in a
 * gap between entries, too); stepping publishes the next entries at once and puts the playhead on
 * the last. Every method is handed the wall time; the playback reads no clock.
 */
export class Playback {
  private current: PlaybackState = 'ready';
  /** the next entry to publish */
  private cursor = 0;
  speed = 1;
  /** event time of the playhead when not playing; when playing, at wall time anchorWall */
  private head: number | undefined;
  private anchorWall = 0;

  constructor(
    readonly length: number,
    private readonly timeAt: (i: number) => number,
  ) {}

  get state(): PlaybackState {
    return this.current;
  }

  get next(): number {
    return this.cursor;
  }

  private move(to: PlaybackState, fix: string): void {
    if (!TRANSITIONS[this.current].includes(to)) throw new PlaybackTransitionError(this.current, to, fix);
    this.current = to;
  }

  /** Event time of the playhead (epoch ms): before the first entry until something plays. */
  position(wallMs: number): number | undefined {
    if (this.current !== 'playing' || this.head === undefined) return this.head;
    return this.head + (wallMs - this.anchorWall) * this.speed;
  }

  play(speed: number, wallMs: number): void {
    const head = this.position(wallMs);
    this.move('playing', 'reset it to play again');
    this.head = head ?? (this.length > 0 ? this.timeAt(this.cursor) : 0);
    this.anchorWall = wallMs;
    this.speed = speed;
  }

  pause(wallMs: number): void {
    const head = this.position(wallMs);
    this.move('paused', 'reset it to play again');
    this.head = head;
  }

  /** The next `count` entries (fewer at the end), published now; playing must be paused first. */
  step(count: number): EntryRange {
    if (this.current === 'playing')
      throw new PlaybackTransitionError('playing', 'paused', 'pause it before stepping');
    const from = this.cursor;
    const to = Math.min(this.length, from + count);
    if (to > from) this.head = this.timeAt(to - 1);
    this.cursor = to;
    if (to === this.length) this.move('finished', 'reset it to play again');
    else if (this.current === 'ready') this.move('paused', 'reset it to play again');
    return { from, to };
  }

  /** The entries due by wall time `wallMs` while playing; the last one finishes the playback. */
  due(wallMs: number): EntryRange {
    const from = this.cursor;
    if (this.current !== 'playing') return { from, to: from };
    const horizon = this.position(wallMs)!;
    let to = from;
    while (to < this.length && this.timeAt(to) <= horizon) to++;
    this.cursor = to;
    if (to === this.length) {
      this.head = horizon;
      this.move('finished', 'reset it to play again');
    }
    return { from, to };
  }

  reset(): void {
    this.current = 'ready';
    this.cursor = 0;
    this.head = undefined;
  }
}
