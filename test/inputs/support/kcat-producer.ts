import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * An upstream producer the project did not write: kcat (librdkafka), as a real trunk feed
 * would send. The input tests need it; without it they fail saying what to install.
 */
export function kcatPath(): string {
  const found = [
    '/usr/bin/kcat',
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'kcat')),
  ].find((p) => existsSync(p));
  if (!found)
    throw new Error(
      'kcat is not installed: the input tests produce with it (librdkafka). Install it with `apt-get install kcat`',
    );
  return found;
}

interface Target {
  brokers: readonly string[];
  topic: string;
  partition: number;
  /** librdkafka properties (-X name=value) */
  properties?: Record<string, string>;
}

function run(args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(kcatPath(), args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve();
    });
    child.stdin?.end(input ?? '');
  });
}

function common(t: Target): string[] {
  const props = Object.entries(t.properties ?? {}).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
  return ['-P', '-b', t.brokers.join(','), '-t', t.topic, '-p', String(t.partition), ...props];
}

/** Produces `key:value` lines (keys without ':'), one message each, in order; returns when delivered. */
export function kcatProduceLines(
  t: Target,
  records: ReadonlyArray<{ key: string; value: string }>,
): Promise<void> {
  const input = records.map((r) => `${r.key}:${r.value}\n`).join('');
  return run([...common(t), '-K:'], input);
}

/** Produces `value` as one message with `key` (kcat sends a file given as argument as one message). */
export function kcatProduceValue(t: Target, key: string, value: Buffer): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'tr-kcat-')), 'value.bin');
  writeFileSync(file, value);
  return run([...common(t), '-k', key, file]);
}
