// What import and cutover need from the source cloud, as one interface: the OpenStack adapter below for
// real runs, and any other implementation (the benchmark's simulated cloud) behind the same calls.
// Nothing here ever deletes a server, a volume or an image.
import { readFileSync } from 'node:fs';
import type { OpenStackClient } from '../openstack/client.js';
import { OpenStackError } from '../openstack/errors.js';

export interface SourceImage {
  id: string;
  /** Glance status: queued, saving, active, killed, deleted... */
  status: string;
  /** bytes */
  virtualSize?: number;
  /** bytes */
  size?: number;
  diskFormat?: string;
}

export interface SourceServer {
  id: string;
  /** Nova status: ACTIVE, SHUTOFF, ... */
  status: string;
}

/** A floating IP bound to one of the server's ports: what cutover must restore on rollback. */
export interface FloatingIpAssociation {
  floatingIpId: string;
  floatingIpAddress: string;
  portId: string;
  fixedIp?: string;
}

export interface SourceCloud {
  /** A token CDI's importer can use until expiresAt (ms since epoch); valid for at least minValidityMs when the cloud allows. */
  issueImportToken(minValidityMs: number): Promise<{ token: string; expiresAt: number }>;
  /** Glance's download URL of an image: <image endpoint>/v2/images/<id>/file. */
  imageFileUrl(imageId: string): string;
  /** PEM of the cloud's custom CA, when it has one (for CDI's certConfigMap). */
  caPem(): string | undefined;
  getImage(imageId: string): Promise<SourceImage>;
  getServer(serverId: string): Promise<SourceServer>;
  /** os-stop; a server already SHUTOFF is fine. */
  stopServer(serverId: string): Promise<void>;
  /** os-start; a server already ACTIVE is fine. */
  startServer(serverId: string): Promise<void>;
  floatingIpsOf(serverId: string): Promise<FloatingIpAssociation[]>;
  associateFloatingIp(association: FloatingIpAssociation): Promise<void>;
  disassociateFloatingIp(floatingIpId: string): Promise<void>;
  /** Current association of a floating IP (port id or null). */
  floatingIpPort(floatingIpId: string): Promise<string | null>;
  /** Requests sent so far, for the benchmark. */
  requestCount(): number;
}

const NOVA_HEADERS = { 'OpenStack-API-Version': 'compute 2.79', 'X-OpenStack-Nova-API-Version': '2.79' };

/** The SourceCloud of a real cloud, over the project's OpenStack client. */
export function openStackSource(client: OpenStackClient): SourceCloud {
  const image = () => client.endpoint(['image']).replace(/\/v2$/, '');
  const compute = () => client.endpoint(['compute']);
  const network = () => client.endpoint(['network']).replace(/\/v2\.0$/, '');
  const check = (what: string, res: { status: number; data: unknown }, ok: number[]) => {
    if (ok.includes(res.status)) return;
    const msg = res.data && typeof res.data === 'object' ? JSON.stringify(res.data).slice(0, 300) : String(res.data ?? '').slice(0, 300);
    throw new OpenStackError('api', `${what}: HTTP ${res.status} ${msg}`, { status: res.status });
  };
  let ca: string | undefined | null = null;
  const action = async (serverId: string, body: unknown, what: string, alreadyState: string) => {
    const res = await client.call('POST', `${compute()}/servers/${encodeURIComponent(serverId)}/action`, body, { headers: NOVA_HEADERS });
    // 409: the server is already in the state asked for (Nova refuses os-stop on SHUTOFF); fine when it is.
    if (res.status === 409) {
      const s = await source.getServer(serverId);
      if (s.status === alreadyState) return;
    }
    check(`${what} server ${serverId}`, res, [202]);
  };
  const source: SourceCloud = {
    issueImportToken: (minValidityMs) => client.issueToken(minValidityMs),
    imageFileUrl: (imageId) => `${image()}/v2/images/${encodeURIComponent(imageId)}/file`,
    caPem() {
      if (ca === null) ca = client.config.cacert ? readFileSync(client.config.cacert, 'utf8') : undefined;
      return ca;
    },
    async getImage(imageId) {
      const res = await client.call<Record<string, unknown>>('GET', `${image()}/v2/images/${encodeURIComponent(imageId)}`);
      check(`image ${imageId}`, res, [200]);
      const d = res.data;
      return {
        id: String(d.id),
        status: String(d.status),
        virtualSize: typeof d.virtual_size === 'number' ? d.virtual_size : undefined,
        size: typeof d.size === 'number' ? d.size : undefined,
        diskFormat: typeof d.disk_format === 'string' ? d.disk_format : undefined,
      };
    },
    async getServer(serverId) {
      const res = await client.call<{ server: { id: string; status: string } }>('GET', `${compute()}/servers/${encodeURIComponent(serverId)}`, undefined, { headers: NOVA_HEADERS });
      check(`server ${serverId}`, res, [200]);
      return { id: res.data.server.id, status: res.data.server.status };
    },
    stopServer: (serverId) => action(serverId, { 'os-stop': null }, 'stop', 'SHUTOFF'),
    startServer: (serverId) => action(serverId, { 'os-start': null }, 'start', 'ACTIVE'),
    async floatingIpsOf(serverId) {
      const ports = await client.call<{ ports: { id: string }[] }>('GET', `${network()}/v2.0/ports`, undefined, { params: { device_id: serverId } });
      check(`ports of server ${serverId}`, ports, [200]);
      const out: FloatingIpAssociation[] = [];
      for (const port of ports.data.ports) {
        const fips = await client.call<{ floatingips: { id: string; floating_ip_address: string; port_id: string; fixed_ip_address?: string }[] }>('GET', `${network()}/v2.0/floatingips`, undefined, { params: { port_id: port.id } });
        check(`floating IPs of port ${port.id}`, fips, [200]);
        for (const f of fips.data.floatingips) out.push({ floatingIpId: f.id, floatingIpAddress: f.floating_ip_address, portId: f.port_id, fixedIp: f.fixed_ip_address ?? undefined });
      }
      return out;
    },
    async associateFloatingIp(a) {
      const res = await client.call('PUT', `${network()}/v2.0/floatingips/${encodeURIComponent(a.floatingIpId)}`, { floatingip: { port_id: a.portId, ...(a.fixedIp ? { fixed_ip_address: a.fixedIp } : {}) } });
      check(`associate floating IP ${a.floatingIpAddress}`, res, [200]);
    },
    async disassociateFloatingIp(floatingIpId) {
      const res = await client.call('PUT', `${network()}/v2.0/floatingips/${encodeURIComponent(floatingIpId)}`, { floatingip: { port_id: null } });
      check(`disassociate floating IP ${floatingIpId}`, res, [200]);
    },
    async floatingIpPort(floatingIpId) {
      const res = await client.call<{ floatingip: { port_id: string | null } }>('GET', `${network()}/v2.0/floatingips/${encodeURIComponent(floatingIpId)}`);
      check(`floating IP ${floatingIpId}`, res, [200]);
      return res.data.floatingip.port_id ?? null;
    },
    requestCount: () => client.stats.requests,
  };
  return source;
}

/** Polls a source-cloud condition (OpenStack has no watch) with a growing interval, bounded by the signal. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, signal?: AbortSignal, intervalMs = 1000, maxIntervalMs = 10_000): Promise<T> {
  let delay = intervalMs;
  for (;;) {
    signal?.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason instanceof Error ? signal.reason : new Error(`${what}: aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    delay = Math.min(maxIntervalMs, Math.round(delay * 1.5));
  }
}
