/** What a line says of what it checked. */
export type Mark = 'ok' | 'warning' | 'error' | 'info';

export interface CheckLine {
  mark: Mark;
  text: string;
}

export interface CheckSection {
  id: string;
  title: string;
  lines: CheckLine[];
  data: Record<string, unknown>;
}

export interface CheckReport {
  ok: boolean;
  exitCode: number;
  checkedAt: string;
  apiBaseUrl: string;
  businessUnitId: string;
  clientId: string;
  /** the zone the lines' times are in: the business unit's, UTC when it could not be read */
  timeZone: string;
  errors: number;
  warnings: number;
  sections: CheckSection[];
}

export class Section implements CheckSection {
  readonly lines: CheckLine[] = [];
  readonly data: Record<string, unknown> = {};
  constructor(
    readonly id: string,
    public title: string,
  ) {}
  ok(text: string): void {
    this.lines.push({ mark: 'ok', text });
  }
  warn(text: string): void {
    this.lines.push({ mark: 'warning', text });
  }
  fail(text: string): void {
    this.lines.push({ mark: 'error', text });
  }
  info(text: string): void {
    this.lines.push({ mark: 'info', text });
  }
}
