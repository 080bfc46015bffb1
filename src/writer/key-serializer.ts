/**
 * Serializes work by keys (a shift id, an agent id), in submission order. A job takes
 * all its keys at once: it is queued on every key's line the moment it is submitted,
 * and runs when it stands first on all of them. Because every line is ordered by the
 * same submission order, two jobs can never wait on each other: no deadlock, and writes
 * to one shift or agent go out in the order they were planned, never racing each other
 * into self-inflicted version conflicts or overlaps.
 */
interface Ticket {
  keys: string[];
  ready: () => void;
}

export type Release = () => void;

export class KeySerializer {
  readonly #lines = new Map<string, Ticket[]>();

  /** Resolves with a release function once every key is this job's. */
  acquire(keys: Iterable<string>): Promise<Release> {
    const unique = [...new Set(keys)];
    return new Promise<Release>((resolve) => {
      const ticket: Ticket = { keys: unique, ready: () => resolve(() => this.#release(ticket)) };
      for (const key of unique) {
        const line = this.#lines.get(key);
        if (line) line.push(ticket);
        else this.#lines.set(key, [ticket]);
      }
      if (this.#isFirstEverywhere(ticket)) ticket.ready();
    });
  }

  /** Keys with someone holding or waiting; for tests and stats. */
  get busyKeys(): number {
    return this.#lines.size;
  }

  #isFirstEverywhere(ticket: Ticket): boolean {
    return ticket.keys.every((k) => this.#lines.get(k)?.[0] === ticket);
  }

  #release(ticket: Ticket): void {
    const next = new Set<Ticket>();
    for (const key of ticket.keys) {
      const line = this.#lines.get(key);
      if (!line || line[0] !== ticket) continue;
      line.shift();
      if (line.length === 0) this.#lines.delete(key);
      else next.add(line[0]!);
    }
    for (const t of next) if (this.#isFirstEverywhere(t)) t.ready();
  }
}
