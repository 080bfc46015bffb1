import { compileRules } from '../../rules/compile.js';
import { loadRulesFile } from '../../rules/load.js';
import { formatIssue, RulesFileError } from '../../rules/rules-error.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const usage = `Usage: trunk-reactor validate [--json] <rules-file>...

Checks rules files (YAML or JSON) without running anything: every problem is listed
with file:line:column, the rule id and a fix.

  --json    print one JSON object: {"files":[{"file","ok","rules","issues"}]}

Exit codes: 0 all files valid, 1 a file has problems, 2 wrong arguments.`;

interface FileResult {
  file: string;
  ok: boolean;
  rules: number;
  enabled: number;
  issues: RulesFileError['issues'];
}

const command: Command = {
  name: 'validate',
  example: 'trunk-reactor validate config/rules.apac.yaml',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean', default: false } }, true);
    if (positionals.length === 0) throw new UsageError('name at least one rules file');

    const results: FileResult[] = [];
    for (const file of positionals) {
      try {
        const parsed = await loadRulesFile(file);
        const compiled = compileRules(parsed);
        results.push({
          file,
          ok: true,
          rules: parsed.rules.length,
          enabled: compiled.rules.length,
          issues: [],
        });
      } catch (err) {
        if (!(err instanceof RulesFileError)) throw err;
        results.push({ file, ok: false, rules: 0, enabled: 0, issues: err.issues });
      }
    }

    if (values.json) {
      process.stdout.write(`${JSON.stringify({ files: results })}\n`);
    } else {
      for (const r of results) {
        if (r.ok) {
          process.stdout.write(
            `ok       ${r.file}: ${r.rules} rule${r.rules === 1 ? '' : 's'} (${r.enabled} enabled)\n`,
          );
        } else {
          process.stdout.write(
            `invalid  ${r.file}: ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}\n`,
          );
          for (const i of r.issues) process.stdout.write(`  ${formatIssue(i)}\n`);
        }
      }
    }
    return results.every((r) => r.ok) ? EXIT.OK : EXIT.FINDINGS;
  },
};

export default command;
