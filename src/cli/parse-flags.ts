import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './command.js';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs in strict mode: an unknown or malformed flag is a UsageError (exit 2). */
export function parseFlags<O extends FlagOptions, P extends boolean = false>(
  argv: string[],
  options: O,
  allowPositionals?: P,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>> {
  try {
    return parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: (allowPositionals ?? false) as P,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
