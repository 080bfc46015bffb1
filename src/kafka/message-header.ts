import type { ConsumedMessage } from './port.js';

/**
 * A consumed message's header as a Buffer or string (the first of a repeated one), or
 * undefined; without reading the headers at all when the client says the record has none
 * (`headerCount`: most records, and the kafkajs adapter's lean records make no header object
 * until asked).
 */
export function messageHeader(
  m: Pick<ConsumedMessage, 'headers' | 'headerCount'>,
  name: string,
): Buffer | string | undefined {
  if (m.headerCount === 0) return undefined;
  const h = m.headers?.[name];
  const first = Array.isArray(h) ? h[0] : h;
  return first === null || first === undefined ? undefined : first;
}
