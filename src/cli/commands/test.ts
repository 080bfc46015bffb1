import { renderRun } from '../../rules-test/report.js';
import { runTestFiles } from '../../rules-test/run.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const usage = `Usage: trunk-reactor test [--json] <test-file>...

Runs rules test files: input series per trunk (promtool's expanding notation), a schedule,
and what must come of them: the rules firing and not firing at given times, the adjustments
planned, the candidates passed over and by which guardrail, windows where nothing else
happens. The series go through the rules engine and the planner as in \`plan\`; nothing is
written anywhere. Each failing expectation is listed at its file:line with what was expected,
what came, and the rule's condition and reason. The format: docs/rules.md, "Testing rules",
and schemas/rules-test.schema.json.

  --json    print one JSON object: {"ok","files":[{"file","ok","issues","tests"}],"summary"}

Exit codes: 0 every expectation held, 1 an expectation failed or a file is invalid, 2 wrong arguments.`;

const command: Command = {
  name: 'test',
  example: 'trunk-reactor test config/rules.apac.test.yaml',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean', default: false } }, true);
    if (positionals.length === 0) throw new UsageError('name at least one test file');
    const result = await runTestFiles(positionals);
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : renderRun(result));
    return result.ok ? EXIT.OK : EXIT.FINDINGS;
  },
};

export default command;
