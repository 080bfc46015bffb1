import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/**
 * What every benchmark ends with: the machine it ran on, its bars, one closing line of
 * JSON (`{"bench", "machine", "figures", "bars"}`, the shape bench:rules, bench:writer and
 * bench:pipeline print) and its own section of a docs page.
 */
export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  memoryGiB: number;
  platform: string;
}

export interface Bar {
  name: string;
  target: number | string;
  actual: number | string;
  ok: boolean;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function printBars(bars: readonly Bar[]): void {
  for (const b of bars)
    process.stdout.write(`${b.ok ? 'ok    ' : 'MISSED'} ${b.name}: ${b.actual} (target ${b.target})\n`);
}

export function finalLine(bench: string, m: Machine, figures: unknown, bars: readonly Bar[]): void {
  process.stdout.write(`${JSON.stringify({ bench, machine: m, figures, bars })}\n`);
}

export function barsTable(bars: readonly Bar[]): string[] {
  return [
    '| bar | target | actual | |',
    '| --- | --- | --- | --- |',
    ...bars.map((b) => `| ${b.name} | ${b.target} | ${b.actual} | ${b.ok ? 'ok' : 'missed'} |`),
  ];
}

/**
 * Replaces the section that starts with `heading` (a `## ` line) up to the next `## `
 * heading, or appends it: each benchmark owns its section of the page.
 */
export function writeDocSection(file: URL, heading: string, body: readonly string[]): void {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  const section = [heading, '', ...body, ''];
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section.join('\n')}`);
    return;
  }
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  const after = lines.slice(end);
  writeFileSync(file, [...lines.slice(0, start), ...section, ...after].join('\n').replace(/\n*$/, '\n'));
}
