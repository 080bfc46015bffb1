#!/usr/bin/env node
import type { Command } from './command.js';
import { EXIT, UsageError } from './command.js';

/** Sub-commands load lazily so `trunk-reactor validate` never pays for kafkajs. */
export const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  'wfm-sandbox': () => import('./commands/wfm-sandbox.js'),
  validate: () => import('./commands/validate.js'),
  plan: () => import('./commands/plan.js'),
  demo: () => import('./commands/demo.js'),
  produce: () => import('./commands/produce.js'),
  redrive: () => import('./commands/redrive.js'),
  run: () => import('./commands/run.js'),
};

function help(): string {
  return [
    'trunk-reactor — BYOC trunk utilization → safe WFM shift adjustments',
    '',
    'Usage: trunk-reactor <command> [options]',
    '',
    'Commands:',
    ...Object.keys(COMMANDS).map((c) => `  ${c}`),
    '',
    "Run 'trunk-reactor <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`trunk-reactor: unknown command '${name}'\n\n${help()}\n`);
    return EXIT.USAGE;
  }
  const command = (await load()).default;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\n\n${command.usage}\n`);
    return EXIT.OK;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`trunk-reactor ${name}: ${err.message}\n\n${command.usage}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
}

const isEntry = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli/main.js');
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const e = err as { code?: string; message?: string };
      process.stderr.write(`trunk-reactor: ${e.code ? `[${e.code}] ` : ''}${e.message ?? String(err)}\n`);
      process.exitCode = EXIT.RUNTIME;
    },
  );
}
