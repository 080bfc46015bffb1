import type { GenesysHttp } from '../../wfm/genesys-cloud/http.js';
import { BridgeAnswerError, BridgeRestError } from './errors.js';
import { type RestRetry, withRetry } from './rest-retry.js';
import { readTrunkPage, TRUNK_BASES_PATH, TRUNKS_PATH } from './trunk-wire.js';

/**
 * The org's BYOC trunks, grouped by trunk base. A BYOC Cloud trunk shows as one `Trunk` instance
 * per edge, each with its own metrics topic; the bridge sums the instances of a base, so the base
 * is the unit it maps and emits. Read from `GET …/trunks?trunkType=EXTERNAL`, page by page, each
 * page tried again on its own; a base the listing names without its name is read once from
 * `…/trunkbasesettings/{id}` (a mapping may list bases by name).
 */
export interface TrunkBaseView {
  id: string;
  name: string | undefined;
  /** its trunk instances' ids, sorted */
  instances: string[];
}

export interface TrunkDiscovery {
  bases: Map<string, TrunkBaseView>;
  /** listing entities left out: no id, no trunk base, or deleted */
  skipped: number;
  pages: number;
}

export const TRUNK_PAGE_SIZE = 100;
/** A listing that claims more pages than this is read no further (100,000 trunks). */
const MAX_PAGES = 1_000;

type Api = Pick<GenesysHttp, 'api'>;

export async function discoverTrunks(
  http: Api,
  retry: RestRetry,
  /** base id → name, kept between discoveries so a name is read once */
  names: Map<string, string>,
  pageSize = TRUNK_PAGE_SIZE,
): Promise<TrunkDiscovery> {
  const instances = new Map<string, { baseId: string; baseName: string | undefined }>();
  let skipped = 0;
  let pages = 0;
  for (let pageNumber = 1; pageNumber <= MAX_PAGES; pageNumber++) {
    const what = `GET ${TRUNKS_PATH}?trunkType=EXTERNAL page ${pageNumber}`;
    const body = await withRetry(what, retry, () =>
      http.api({
        method: 'GET',
        path: TRUNKS_PATH,
        query: { trunkType: 'EXTERNAL', pageSize, pageNumber },
        signal: retry.signal,
      }),
    );
    const page = readTrunkPage(body);
    if (!page) throw new BridgeAnswerError(what, 'no entities array (not a TrunkEntityListing)');
    pages++;
    skipped += page.skipped;
    // a trunk that moved from one page to the next while they were read counts once
    for (const t of page.instances) instances.set(t.id, { baseId: t.baseId, baseName: t.baseName });
    // the server may cut pageSize to its own largest: without a pageCount, a short page is the last
    const last =
      page.pageCount !== undefined
        ? pageNumber >= page.pageCount
        : page.entities < (page.pageSize ?? pageSize);
    if (last || page.entities === 0) break;
  }
  const bases = new Map<string, TrunkBaseView>();
  for (const [id, t] of instances) {
    if (t.baseName !== undefined) names.set(t.baseId, t.baseName);
    const base = bases.get(t.baseId) ?? { id: t.baseId, name: undefined, instances: [] };
    base.instances.push(id);
    bases.set(t.baseId, base);
  }
  for (const base of bases.values()) {
    base.instances.sort();
    base.name = names.get(base.id) ?? (await baseName(http, retry, base.id));
    if (base.name !== undefined) names.set(base.id, base.name);
  }
  return { bases, skipped, pages };
}

/** A trunk base's name from its settings; undefined when the base is gone (404). */
async function baseName(http: Api, retry: RestRetry, id: string): Promise<string | undefined> {
  const path = `${TRUNK_BASES_PATH}/${encodeURIComponent(id)}`;
  try {
    const body = (await withRetry(`GET ${path}`, retry, () =>
      http.api({ method: 'GET', path, signal: retry.signal }),
    )) as { name?: unknown } | undefined;
    return typeof body?.name === 'string' && body.name !== '' ? body.name : undefined;
  } catch (err) {
    if (err instanceof BridgeRestError && err.status === 404) return undefined;
    throw err;
  }
}
