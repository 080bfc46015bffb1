import { readFile, rm, writeFile } from 'node:fs/promises';

export interface KillSwitchState {
  engaged: boolean;
  /** why, as the operator wrote it */
  reason: string | undefined;
}

/**
 * The global stop: while engaged the planner produces no adjustments (each intent is
 * reported as skipped by `killSwitch`); consumption and evaluation go on, so windows and
 * rule state stay current and nothing is replayed when it is released.
 */
export interface KillSwitch {
  state(): Promise<KillSwitchState>;
  engage(reason: string): Promise<void>;
  release(): Promise<void>;
}

/** Never engaged: for dry runs and tests. */
export const NO_KILL_SWITCH: KillSwitch = {
  state: async () => ({ engaged: false, reason: undefined }),
  engage: async () => {
    throw new Error('this planner has no kill switch configured');
  },
  release: async () => {},
};

/** In memory: what an admin endpoint flips. */
export class MemoryKillSwitch implements KillSwitch {
  private current: KillSwitchState = { engaged: false, reason: undefined };

  async state(): Promise<KillSwitchState> {
    return this.current;
  }

  async engage(reason: string): Promise<void> {
    this.current = { engaged: true, reason };
  }

  async release(): Promise<void> {
    this.current = { engaged: false, reason: undefined };
  }
}

/**
 * Engaged while the file exists; its first line is the reason. An operator can stop all
 * writes with `echo "publish incident" > /var/run/trunk-reactor/kill` and resume with `rm`,
 * without the admin API. Read on every check (one small read per intent, not per event).
 */
export class FileKillSwitch implements KillSwitch {
  constructor(readonly path: string) {}

  async state(): Promise<KillSwitchState> {
    try {
      const text = await readFile(this.path, 'utf8');
      return { engaged: true, reason: text.split('\n')[0]?.trim() || `kill switch file ${this.path} exists` };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { engaged: false, reason: undefined };
      // unreadable is not "off": fail safe and stop writes
      return { engaged: true, reason: `kill switch file ${this.path} unreadable: ${(err as Error).message}` };
    }
  }

  async engage(reason: string): Promise<void> {
    await writeFile(this.path, `${reason.replace(/\n/g, ' ')}\n`);
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
