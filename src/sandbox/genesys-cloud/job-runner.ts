/**
 * The asynchronous side of the emulated API: update and query jobs run one at a time, in the
 * order they were accepted, each `delayMs` (real time) after the one before, as Genesys
 * processes a business unit's schedule jobs; their results go out as notifications.
 */
export class JobRunner {
  private readonly queue: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  ran = 0;

  constructor(
    private readonly delayMs: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  enqueue(job: () => void): void {
    if (this.closed) return;
    this.queue.push(job);
    this.pump();
  }

  get pending(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.timer || this.closed || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const job = this.queue.shift()!;
      this.ran++;
      try {
        job();
      } catch (err) {
        this.onError(err);
      }
      this.pump();
    }, this.delayMs());
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}
