/**
 * One CLI sub-command. What it does, in one line, is its entry in `COMMANDS` (main.ts); `run`
 * returns the process exit code (listed in the README).
 */
export interface Command {
  name: string;
  usage: string;
  /** a whole invocation that works as it stands, e.g. `trunk-reactor validate config/rules.apac.yaml`; ends `--help` */
  example: string;
  run(argv: string[]): Promise<number>;
}

/** Exit codes, listed in the README. */
export const EXIT = {
  OK: 0,
  /** the command ran and found problems (invalid rules, failed checks) */
  FINDINGS: 1,
  /** wrong flags or arguments */
  USAGE: 2,
  /** configuration could not be loaded or is invalid */
  CONFIG: 3,
  /** a dependency (Kafka, WFM) failed in a way the command cannot recover from */
  RUNTIME: 4,
} as const;

export class UsageError extends Error {
  readonly code = 'TR_ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
