// An in-memory source cloud behind the workflow's SourceCloud interface, for the workflow tests and the
// benchmark (100+ servers): servers with power states that change after a delay like Nova's, Glance images,
// floating IPs with port associations, and Keystone-like tokens with a capped lifetime (so that a long import
// outlives its token). It counts every call as one API request. The OpenStack adapter itself
// (openStackSource) is exercised against HTTP servers elsewhere; this stands in for the cloud's behaviour.
import { randomBytes } from 'node:crypto';
import type { FloatingIpAssociation, SourceCloud, SourceImage, SourceServer } from '../../src/workflow/source.js';
import type { DiskCopy } from '../../src/workflow/ledger.js';
import { diskKey } from '../../src/workflow/backup.js';
import type { ServerWork } from '../../src/workflow/import.js';

interface SimServer {
  status: string;
  ports: string[];
  target?: { status: string; at: number };
}
interface SimFip {
  id: string;
  address: string;
  portId: string | null;
  fixedIp?: string;
}

export class SimulatedCloud implements SourceCloud {
  requests = 0;
  readonly servers = new Map<string, SimServer>();
  readonly images = new Map<string, SourceImage & { serverId?: string }>();
  readonly fips = new Map<string, SimFip>();
  readonly tokens = new Map<string, number>();
  /** Every action, in order: "stop <id>", "start <id>", "image <id>", "fip-release <id>", "fip-associate <id>". */
  readonly actions: string[] = [];
  tokenLifetimeMs = 3_600_000;
  /** Lifetimes of the next tokens, before tokenLifetimeMs applies (a current token already half used, ...). */
  nextTokenLifetimesMs: number[] = [];
  /** Nova takes this long to change power state. */
  transitionMs = 20;
  caPemText: string | undefined;
  /** Make os-start fail (to test a rollback that cannot restart the source). */
  failStart = false;
  private imageCounter = 0;

  addServer(id: string, status = 'ACTIVE', ports: string[] = [`port-${id}`]): void {
    this.servers.set(id, { status, ports });
  }
  addFloatingIp(id: string, address: string, portId: string | null, fixedIp?: string): void {
    this.fips.set(id, { id, address, portId, fixedIp });
  }

  tokenValid(token: string): boolean {
    const exp = this.tokens.get(token);
    return exp !== undefined && exp > Date.now();
  }

  /** What the backup would do: one Glance image per copied disk; only of a SHUTOFF server when `final`. */
  async copyServer(work: ServerWork, requireStopped: boolean, virtualSize = 2 * 2 ** 30): Promise<DiskCopy[]> {
    this.requests += 1;
    const server = this.servers.get(work.serverId);
    if (requireStopped && this.statusOf(work.serverId) !== 'SHUTOFF') throw new Error(`final copy of ${work.serverId} while it is ${server?.status}`);
    return work.dataVolumes
      .filter((dv) => !('blank' in ((dv.spec as { source?: object }).source ?? {})))
      .map((dv) => {
        this.imageCounter += 1;
        const id = `img-${work.serverId.slice(0, 8)}-${this.imageCounter}`;
        this.images.set(id, { id, status: 'active', virtualSize, size: virtualSize / 4, diskFormat: 'qcow2', serverId: work.serverId });
        this.actions.push(`image ${id}`);
        const diskRole = dv.metadata.annotations?.['openstack-migrate.io/disk-role'] === 'volume' ? 'volume' : 'root';
        // The DataVolume name's suffix stands in for the disk key when the fixture has no volume id.
        const volumeId = dv.metadata.annotations?.['openstack-migrate.io/volume-id'];
        const disk = diskRole === 'root' ? 'root' : volumeId ? diskKey('volume', volumeId) : dv.metadata.name.slice(work.vmName.length + 1);
        return { disk, diskRole, dataVolume: dv.metadata.name, imageId: id, diskFormat: 'qcow2', virtualSize };
      });
  }

  private statusOf(id: string): string {
    const s = this.servers.get(id);
    if (!s) throw new Error(`no server ${id}`);
    if (s.target && Date.now() >= s.target.at) {
      s.status = s.target.status;
      s.target = undefined;
    }
    return s.status;
  }

  async issueImportToken(): Promise<{ token: string; expiresAt: number }> {
    this.requests += 1;
    const token = `gAAAAA${randomBytes(24).toString('hex')}`;
    const expiresAt = Date.now() + (this.nextTokenLifetimesMs.shift() ?? this.tokenLifetimeMs);
    this.tokens.set(token, expiresAt);
    return { token, expiresAt };
  }
  imageFileUrl(imageId: string): string {
    return `https://glance.example.test:9292/v2/images/${imageId}/file`;
  }
  caPem(): string | undefined {
    return this.caPemText;
  }
  async getImage(imageId: string): Promise<SourceImage> {
    this.requests += 1;
    const img = this.images.get(imageId);
    if (!img) throw new Error(`image ${imageId}: HTTP 404`);
    return { ...img };
  }
  async getServer(serverId: string): Promise<SourceServer> {
    this.requests += 1;
    return { id: serverId, status: this.statusOf(serverId) };
  }
  async stopServer(serverId: string): Promise<void> {
    this.requests += 1;
    this.actions.push(`stop ${serverId}`);
    const s = this.servers.get(serverId)!;
    if (this.statusOf(serverId) !== 'SHUTOFF') s.target = { status: 'SHUTOFF', at: Date.now() + this.transitionMs };
  }
  async startServer(serverId: string): Promise<void> {
    this.requests += 1;
    this.actions.push(`start ${serverId}`);
    if (this.failStart) throw new Error(`start server ${serverId}: HTTP 500`);
    const s = this.servers.get(serverId)!;
    if (this.statusOf(serverId) !== 'ACTIVE') s.target = { status: 'ACTIVE', at: Date.now() + this.transitionMs };
  }
  async floatingIpsOf(serverId: string): Promise<FloatingIpAssociation[]> {
    this.requests += 2;
    const ports = this.servers.get(serverId)?.ports ?? [];
    return [...this.fips.values()]
      .filter((f) => f.portId && ports.includes(f.portId))
      .map((f) => ({ floatingIpId: f.id, floatingIpAddress: f.address, portId: f.portId as string, ...(f.fixedIp ? { fixedIp: f.fixedIp } : {}) }));
  }
  async associateFloatingIp(a: FloatingIpAssociation): Promise<void> {
    this.requests += 1;
    this.actions.push(`fip-associate ${a.floatingIpId}`);
    const f = this.fips.get(a.floatingIpId)!;
    f.portId = a.portId;
  }
  async disassociateFloatingIp(id: string): Promise<void> {
    this.requests += 1;
    this.actions.push(`fip-release ${id}`);
    this.fips.get(id)!.portId = null;
  }
  async floatingIpPort(id: string): Promise<string | null> {
    this.requests += 1;
    return this.fips.get(id)?.portId ?? null;
  }
  requestCount(): number {
    return this.requests;
  }
}
