/** One problem in a rules test file, located as `validate` locates one in a rules file. */
export interface TestFileIssue {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  /** the test the problem sits in, when it sits in one */
  test: string | undefined;
  /** dotted path into the document, e.g. tests[0].expect[2].at */
  path: string;
  message: string;
  fix: string | undefined;
}

export function formatTestIssue(i: TestFileIssue): string {
  const test = i.test ? ` test '${i.test}'` : '';
  const fix = i.fix ? ` (fix: ${i.fix})` : '';
  return `${i.file}:${i.line}:${i.column}${test}: ${i.message}${fix}`;
}

/** A test file that cannot be run: every problem found, each with its line and what to change. */
export class RulesTestFileError extends Error {
  readonly code = 'TR_ERR_RULES_TEST_INVALID';
  readonly retriable = false;
  constructor(
    readonly file: string,
    readonly issues: TestFileIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  ${formatTestIssue(i)}`).join('\n')}`,
      options,
    );
    this.name = 'RulesTestFileError';
  }
}
