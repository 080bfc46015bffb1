import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { cli } from '../support/cli.js';

const NAMES = Object.keys(COMMANDS);

/** Commands whose example the test does not run, and why; every other example must exit 0 here. */
const NOT_RUN: Record<string, string> = {
  run: 'needs a Kafka broker and a WFM, and runs until stopped',
  produce: 'needs the Kafka broker of its config',
  redrive: 'needs the Kafka broker of its config',
  'wfm-sandbox': 'serves until Ctrl-C',
};

async function exampleOf(name: string): Promise<string[]> {
  const { example } = (await COMMANDS[name]!.load()).default;
  return example.split(' ');
}

describe('trunk-reactor --help', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives every registered command one line saying what it does, and lists nothing else', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const listed = lines.slice(lines.indexOf('Commands:') + 1, lines.indexOf('', lines.indexOf('Commands:')));
    expect(listed.map((l) => l.trim().split(/\s+/)[0])).toEqual(NAMES);
    for (const [name, { summary }] of Object.entries(COMMANDS)) {
      expect(summary, name).toMatch(/^\S[^\n]{9,}[^.\s]$/);
      const line = listed.find((l) => l.trim().split(/\s+/)[0] === name)!;
      expect(line).toMatch(new RegExp(`^ {2}${name} {2,}${summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      expect(line.length, `${name}: the line is ${line.length} characters`).toBeLessThanOrEqual(100);
    }
  });

  it.each(NAMES)('%s --help says what it does and ends with an example of itself', async (name) => {
    const r = await cli([name, '--help']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`${COMMANDS[name]!.summary}.`);
    expect(lines.at(-2)).toBe('Example:');
    expect(lines.at(-1)).toBe(`  ${(await exampleOf(name)).join(' ')}`);
  });

  it.each(NAMES)('the example of %s names only flags its usage lists, and files that exist', async (name) => {
    const [program, command, ...args] = await exampleOf(name);
    expect([program, command]).toEqual(['trunk-reactor', name]);
    const { usage } = (await COMMANDS[name]!.load()).default;
    for (const flag of args.filter((a) => a.startsWith('--')))
      expect(usage, `${name} example: ${flag}`).toMatch(new RegExp(`${flag}(?![\\w-])`));
    for (const file of args.filter((a) => /\.(ya?ml|json|ndjson)$/.test(a)))
      expect(existsSync(file), `${name} example: ${file}`).toBe(true);
  });

  it('names only registered commands among those whose example it does not run', () => {
    for (const name of Object.keys(NOT_RUN)) expect(NAMES).toContain(name);
  });

  it.each(NAMES.filter((n) => !(n in NOT_RUN)))(
    'the example of %s runs as it stands and exits 0',
    async (name) => {
      const [, ...argv] = await exampleOf(name);
      const r = await cli(argv);
      expect(r.code, r.err).toBe(0);
      expect(r.out).not.toBe('');
    },
    30_000,
  );
});
