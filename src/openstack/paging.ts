// The paging conventions of the OpenStack services, in one place:
// - Nova, Neutron, Cinder: `limit` + `marker`, and a `<collection>_links` array with rel "next";
// - Glance: `limit` + `marker`, and a top-level `next` link (relative to the endpoint's root);
// - Nova's os-server-groups: `limit` + `offset`, no links;
// - Keystone (Zed): no paging at all; a list cut at the server's list_limit says `"truncated": true`.
// Next links are not followed verbatim: their host/scheme often name an internal address behind a proxy.
// Only their query (marker, limit, filters) is taken and sent to the endpoint from the catalog.
import type { OpenStackClient, RequestOptions } from './client.js';
import { checkListPage } from './shapes.js';

type Params = NonNullable<RequestOptions['params']>;

interface Link {
  rel?: string;
  href?: string;
}

/** The query of a next link, as request params (so the request goes to our endpoint, not the link's host). */
function queryOf(href: string): Params {
  const url = new URL(href, 'http://next.invalid/');
  const params: Params = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  return params;
}

function nextLink(body: Record<string, unknown>, key: string): string | undefined {
  const links = body[`${key}_links`];
  if (Array.isArray(links)) return (links as Link[]).find((l) => l.rel === 'next')?.href;
  if (typeof body.next === 'string') return body.next; // Glance
  return undefined;
}

export interface ListOptions {
  params?: Params;
  headers?: Record<string, string>;
  pageSize: number;
  /** Stops a server that keeps returning the same next link; far above any real cloud's page count. */
  maxPages?: number;
}

/** Reads every page of a marker-paged collection (Nova, Neutron, Cinder, Glance). */
export async function listAll<T>(client: OpenStackClient, url: string, key: string, options: ListOptions): Promise<T[]> {
  const items: T[] = [];
  let params: Params = { ...options.params, limit: options.pageSize };
  const seen = new Set<string>();
  for (let page = 0; page < (options.maxPages ?? 100_000); page += 1) {
    const { data } = await client.get<Record<string, unknown>>(url, { params, headers: options.headers });
    // A page without the list, or with items of another shape, is an error (never "0 servers").
    const batch = checkListPage(key, data, client.requestLabel('GET', url));
    items.push(...(batch as T[]));
    const next = nextLink(data, key);
    if (!next || batch.length === 0) break;
    const nextParams = queryOf(next);
    const marker = String(nextParams.marker ?? '');
    if (!marker || seen.has(marker)) break;
    seen.add(marker);
    params = { ...options.params, ...nextParams };
  }
  return items;
}

/** Reads every page of an offset-paged collection (Nova os-server-groups). */
export async function listByOffset<T>(client: OpenStackClient, url: string, key: string, options: ListOptions): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; offset / options.pageSize < (options.maxPages ?? 100_000); ) {
    const { data } = await client.get<Record<string, unknown>>(url, {
      params: { ...options.params, limit: options.pageSize, offset },
      headers: options.headers,
    });
    const batch = checkListPage(key, data, client.requestLabel('GET', url));
    items.push(...(batch as T[]));
    // A page shorter than asked for is the last one.
    if (batch.length < options.pageSize || batch.length === 0) break;
    offset += batch.length;
  }
  return items;
}

/** Reads a Keystone collection; calls onTruncated when Keystone cut it at its list_limit. */
export async function listKeystone<T>(
  client: OpenStackClient,
  url: string,
  key: string,
  params: Params | undefined,
  onTruncated: (what: string) => void,
): Promise<T[]> {
  const items: T[] = [];
  let nextUrl: string | undefined = url;
  let nextParams: Params | undefined = params;
  for (let page = 0; nextUrl && page < 10_000; page += 1) {
    const { data } = await client.get<Record<string, unknown>>(nextUrl, { params: nextParams });
    items.push(...(checkListPage(key, data, client.requestLabel('GET', nextUrl)) as T[]));
    if (data?.truncated === true) onTruncated(key);
    // Keystone releases with paging (2024.1+ for some lists) give links.next; Zed always gives null.
    const links = data?.links as { next?: string | null } | undefined;
    if (links?.next && links.next !== nextUrl) {
      const q = queryOf(links.next);
      nextParams = { ...params, ...q };
      if (!q.marker) break;
    } else nextUrl = undefined;
  }
  return items;
}
