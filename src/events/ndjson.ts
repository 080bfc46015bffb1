import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeTrunkEvent } from './decode.js';
import type { EventDecodeError } from './decode-error.js';
import type { TrunkSample } from './trunk-event.js';

export type NdjsonItem =
  | { line: number; ok: true; sample: TrunkSample }
  | { line: number; ok: false; error: EventDecodeError };

/**
 * Reads a file of events, one JSON object per line. Blank lines are skipped; a bad line
 * is yielded as an error with its line number so a dry run can name it and go on.
 */
export async function* readEventsNdjson(path: string): AsyncGenerator<NdjsonItem> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    const r = decodeTrunkEvent(text);
    yield r.ok ? { line, ok: true, sample: r.sample } : { line, ok: false, error: r.error };
  }
}
