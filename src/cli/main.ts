#!/usr/bin/env node
import type { Command } from './command.js';
import { EXIT, UsageError } from './command.js';

/** A sub-command as the top-level help lists it; its module loads only when it is asked for. */
export interface CommandEntry {
  /** what the command does, in one line of the top-level help */
  summary: string;
  load: () => Promise<{ default: Command }>;
}

/**
 * Every sub-command, in the order the help lists them. The summaries live here rather than in
 * the commands' modules so that `--help` loads none of them and `trunk-reactor validate` never
 * pays for kafkajs.
 */
export const COMMANDS: Record<string, CommandEntry> = {
  demo: {
    summary: 'Replay a recorded APAC scenario end to end into an in-process WFM sandbox',
    load: () => import('./commands/demo.js'),
  },
  run: {
    summary: 'Run the service: Kafka events → rules → planner → writer → WFM, outcomes audited',
    load: () => import('./commands/run.js'),
  },
  validate: {
    summary: 'Check rules files: every problem with its file:line, rule id and fix',
    load: () => import('./commands/validate.js'),
  },
  plan: {
    summary: 'Dry run: the adjustments a file of events would cause against a schedule, and why',
    load: () => import('./commands/plan.js'),
  },
  test: {
    summary: 'Test rules files: input series and the firing rules and adjustments they must give',
    load: () => import('./commands/test.js'),
  },
  produce: {
    summary: 'Publish trunk utilization events into Kafka from an NDJSON file or a generator',
    load: () => import('./commands/produce.js'),
  },
  bridge: {
    summary: 'Bridge Genesys Cloud trunk metrics into Kafka: notifications, REST gap filling',
    load: () => import('./commands/bridge.js'),
  },
  redrive: {
    summary: 'Send dead-lettered records back to the topic they came from',
    load: () => import('./commands/redrive.js'),
  },
  wfm: {
    summary: 'Check a Genesys Cloud org read-only: token, schedules, codes, topics, permissions',
    load: () => import('./commands/wfm-check.js'),
  },
  'wfm-sandbox': {
    summary: 'Serve a stateful WFM sandbox over HTTP: the contract or an emulated Genesys Cloud',
    load: () => import('./commands/wfm-sandbox.js'),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'trunk-reactor — BYOC trunk utilization → safe WFM shift adjustments',
    '',
    'Usage: trunk-reactor <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'trunk-reactor <command> --help' for a command's options and an example.",
  ].join('\n');
}

/** A command's `--help`: what it does, its usage, and an invocation to copy. */
function commandHelp(entry: CommandEntry, command: Command): string {
  return `${entry.summary}.\n\n${command.usage}\n\nExample:\n  ${command.example}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`trunk-reactor: unknown command '${name}'\n\n${help()}\n`);
    return EXIT.USAGE;
  }
  const command = (await entry.load()).default;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(entry, command)}\n`);
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
