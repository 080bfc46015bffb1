import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APAC_RULES, cli, put, tempDir } from './support.js';

const page = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
const section = page.slice(page.indexOf('\n## Testing rules\n'));

/** The fenced blocks of the section, in order: [language, text]. */
const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!] as const);
const example = blocks.find(([lang]) => lang === 'yaml')![1];
const [passOutput, failOutput, invalidOutput] = blocks
  .filter(([lang]) => lang === '')
  .map(([, text]) => text);

/** The example saved as config/surge.test.yaml beside a copy of rules.apac.yaml, run from the copy's parent. */
async function runExample(text: string) {
  const dir = tempDir();
  const config = join(dir, 'config');
  mkdirSync(config);
  copyFileSync(APAC_RULES, join(config, 'rules.apac.yaml'));
  const file = put(config, 'surge.test.yaml', text);
  const r = await cli(['test', file]);
  return { ...r, out: r.out.replaceAll(file, 'config/surge.test.yaml') };
}

describe('docs/rules.md, "Testing rules"', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has an example that passes, printing what the page shows', async () => {
    const r = await runExample(example);
    expect(r.code, r.out).toBe(0);
    expect(`$ trunk-reactor test config/surge.test.yaml\n${r.out}`).toBe(passOutput);
  });

  it('shows the failure the example gives with a wrong end time, as it is printed', async () => {
    const wrong = example.replace("shift: mid, end: '11:00'", "shift: mid, end: '11:15'");
    expect(wrong).not.toBe(example);
    const r = await runExample(wrong);
    expect(r.code).toBe(1);
    for (const line of failOutput!.trimEnd().split('\n')) expect(r.out).toContain(line);
  });

  it('shows the problems of a broken copy of the example, as they are printed', async () => {
    const broken = example
      .replace('- at: 09:10', '- at: 08:50')
      .replace('firing: [sg-byoc-surge-extend]', 'firing: [sg-byoc-night-pull-forward]');
    const r = await runExample(broken);
    expect(r.code).toBe(1);
    for (const line of invalidOutput!.trimEnd().split('\n')) expect(r.out).toContain(line);
  });
});
