/** One problem in a rules file, located so an editor (or a person) can jump to it. */
export interface RuleIssue {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  /** the rule the problem sits in, when it sits in one */
  ruleId: string | undefined;
  /** dotted path into the document, e.g. rules[2].when.window */
  path: string;
  message: string;
  fix: string | undefined;
}

export function formatIssue(i: RuleIssue): string {
  const where = `${i.file}:${i.line}:${i.column}`;
  const rule = i.ruleId ? ` rule '${i.ruleId}'` : '';
  const fix = i.fix ? ` (fix: ${i.fix})` : '';
  return `${where}${rule}: ${i.message}${fix}`;
}

/** A rules file that cannot be used. Nothing of it is loaded: the previous rules stay in force. */
export class RulesFileError extends Error {
  readonly code = 'TR_ERR_RULES_INVALID';
  readonly retriable = false;
  constructor(
    readonly file: string,
    readonly issues: RuleIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
      options,
    );
    this.name = 'RulesFileError';
  }
}
