import type { ApiRequest } from './api-request.js';
import { GenesysError } from './genesys-error.js';

function positiveInt(r: ApiRequest, name: string, fallback: number): number {
  const v = r.query.get(name);
  if (v === null) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new GenesysError('invalid.value', `query ${name} must be a whole number ≥ 1, got '${v}'`);
  return n;
}

/**
 * One page of a listing in the SDK's `*EntityListing` shape (pageSize, pageNumber, total,
 * pageCount, and firstUri, selfUri, lastUri, previousUri and nextUri carrying the request's
 * query). pageSize defaults to 25 and is cut to `pageSizeMax`; a page past the last is empty.
 */
export function pageOf<T>(items: readonly T[], r: ApiRequest, pageSizeMax: number): Record<string, unknown> {
  const pageSize = Math.min(positiveInt(r, 'pageSize', 25), pageSizeMax);
  const pageNumber = positiveInt(r, 'pageNumber', 1);
  const total = items.length;
  const pageCount = Math.ceil(total / pageSize);
  const uri = (n: number) => {
    const q = new URLSearchParams(r.query);
    q.set('pageSize', String(pageSize));
    q.set('pageNumber', String(n));
    return `${r.path}?${q.toString()}`;
  };
  return {
    entities: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    pageSize,
    pageNumber,
    total,
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    lastUri: uri(Math.max(1, pageCount)),
    ...(pageNumber > 1 ? { previousUri: uri(pageNumber - 1) } : {}),
    ...(pageNumber < pageCount ? { nextUri: uri(pageNumber + 1) } : {}),
    pageCount,
  };
}

/** sortBy and sortOrder as the telephony listings take them: by name (then id), ASC or DESC. */
export function byName<T extends { id: string; name: string }>(items: T[], r: ApiRequest): T[] {
  const sortBy = r.query.get('sortBy') ?? 'name';
  if (sortBy !== 'name')
    throw new GenesysError('invalid.value', `query sortBy must be name, got '${sortBy}'`);
  const order = (r.query.get('sortOrder') ?? 'ASC').toUpperCase();
  if (order !== 'ASC' && order !== 'DESC')
    throw new GenesysError(
      'invalid.value',
      `query sortOrder must be ASC or DESC, got '${r.query.get('sortOrder')}'`,
    );
  const sign = order === 'ASC' ? 1 : -1;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return items.sort((a, b) => sign * (cmp(a.name, b.name) || cmp(a.id, b.id)));
}
