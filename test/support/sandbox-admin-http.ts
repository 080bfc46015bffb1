/**
 * A sandbox's /_sandbox admin API over real HTTP (the contract sandbox's and the Genesys
 * Cloud emulation's alike), as tests and benchmarks drive and read it.
 */

/** One request: its status and JSON body, whatever the status. */
export async function sandboxAdminRequest<T>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}/_sandbox${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** One request whose answer must be a success: anything from 300 on throws, with its body. */
export async function sandboxAdmin<T>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await sandboxAdminRequest<T>(baseUrl, method, path, body);
  if (res.status >= 300)
    throw new Error(`sandbox admin ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every ledger entry from `since` on, following pages. */
export async function pagedLedger<E>(baseUrl: string, since = 1): Promise<E[]> {
  const out: E[] = [];
  let seq = since;
  for (;;) {
    const page = await sandboxAdmin<{ entries: E[]; nextSeq: number }>(
      baseUrl,
      'GET',
      `/ledger?since=${seq}&limit=5000`,
    );
    out.push(...page.entries);
    if (page.entries.length === 0 || page.nextSeq === seq) return out;
    seq = page.nextSeq;
  }
}
