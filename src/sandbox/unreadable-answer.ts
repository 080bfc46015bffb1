import type { ServerResponse } from 'node:http';

/** The bodies an unreadable 2xx can carry (fault injection: `unreadableBody`). */
export const UNREADABLE_BODIES = ['wrong-shape', 'not-json', 'empty', 'truncated'] as const;
export type UnreadableBody = (typeof UNREADABLE_BODIES)[number];

/** What a proxy that answers for the WFM says when there is no real answer to garble. */
const PROXY_ANSWER = { accepted: true };

/**
 * Sends a 2xx whose body the contract does not allow, as a misbehaving WFM or a proxy in
 * front of it may: `wrong-shape` wraps the answer in `{"data": …}`, `not-json` is plain
 * text, `empty` has no body, `truncated` is the first half of the answer's JSON (with a
 * matching content-length, so the cut is not visible on the wire). `answer` is the real
 * answer of a write that was applied; without one (nothing was applied) a proxy's
 * `{"accepted":true}` is garbled instead.
 */
export function sendUnreadable(
  res: ServerResponse,
  status: number,
  shape: UnreadableBody,
  answer: unknown = PROXY_ANSWER,
): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(answer);
  const text =
    shape === 'wrong-shape'
      ? JSON.stringify({ data: answer })
      : shape === 'not-json'
        ? 'OK'
        : shape === 'empty'
          ? ''
          : json.slice(0, Math.ceil(json.length / 2));
  res.writeHead(status, {
    'content-type': shape === 'not-json' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
