// The inventory: everything the plan needs to know about an OpenStack cloud, and nothing secret.
// It is written by `inventory` (from the live APIs) or by hand, and read by `plan`.
// Field names are camelCase versions of the OpenStack API names, so that a reader of the API reference
// finds each field; ids are the OpenStack ids. The format is documented in docs/inventory-format.md.

export const INVENTORY_API_VERSION = 'openstack-migrate.io/v1alpha1';
export const INVENTORY_KIND = 'Inventory';
/** Bumped on every incompatible change of the shape below; the loader refuses other versions. */
export const INVENTORY_SCHEMA_VERSION = 1;

export interface Inventory {
  apiVersion: typeof INVENTORY_API_VERSION;
  kind: typeof INVENTORY_KIND;
  schemaVersion: typeof INVENTORY_SCHEMA_VERSION;
  metadata: InventoryMetadata;
  domains: Domain[];
  projects: Project[];
  users: User[];
  groups: Group[];
  roles: Role[];
  roleAssignments: RoleAssignment[];
  flavors: Flavor[];
  images: Image[];
  keypairs: Keypair[];
  serverGroups: ServerGroup[];
  servers: Server[];
  volumeTypes: VolumeType[];
  volumes: Volume[];
  networks: Network[];
  subnets: Subnet[];
  ports: Port[];
  securityGroups: SecurityGroup[];
  floatingIps: FloatingIp[];
}

export interface InventoryMetadata {
  /** Name of the cloud (clouds.yaml entry or a free label). */
  cloud: string;
  region?: string;
  /** Keystone URL the inventory was read from (never with credentials). */
  authUrl?: string;
  collectedAt?: string;
  /** What the collector could not read (e.g. "users: 403 Forbidden, role assignments are incomplete"). */
  warnings?: string[];
}

export interface Domain {
  id: string;
  name: string;
  enabled?: boolean;
  description?: string;
}

export interface Project {
  id: string;
  name: string;
  domainId: string;
  enabled?: boolean;
  description?: string;
  tags?: string[];
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  enabled?: boolean;
}

export interface Group {
  id: string;
  name: string;
  domainId: string;
  /** User ids. */
  members: string[];
}

export interface Role {
  id: string;
  name: string;
}

/** One Keystone role assignment: exactly one of userId/groupId, exactly one of projectId/domainId. */
export interface RoleAssignment {
  roleId: string;
  userId?: string;
  groupId?: string;
  projectId?: string;
  domainId?: string;
  /** OS-INHERIT: a domain grant that applies to every project of the domain. */
  inherited?: boolean;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  /** MiB */
  ram: number;
  /** GiB; 0 means the root disk is a volume or sized from the image. */
  disk: number;
  /** GiB */
  ephemeral: number;
  /** MiB */
  swap: number;
  isPublic?: boolean;
  extraSpecs: Record<string, string>;
  /** Project ids with access to a private flavor. */
  projectIds?: string[];
}

export interface Image {
  id: string;
  name: string;
  status?: string;
  ownerProjectId?: string;
  visibility?: 'public' | 'private' | 'shared' | 'community';
  diskFormat?: string;
  containerFormat?: string;
  /** bytes */
  size?: number;
  /** bytes */
  virtualSize?: number;
  /** GiB */
  minDisk?: number;
  /** MiB */
  minRam?: number;
  checksum?: string;
  osHashAlgo?: string;
  osHashValue?: string;
  tags?: string[];
  /** Every other image property (hw_*, os_*, img_*, custom keys), values as Glance returns them, as strings. */
  properties: Record<string, string>;
}

export interface Keypair {
  name: string;
  /** Keypairs belong to a user; the same name may exist for several users. */
  userId?: string;
  type?: 'ssh' | 'x509';
  publicKey: string;
  fingerprint?: string;
}

export type ServerGroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

export interface ServerGroup {
  id: string;
  name: string;
  projectId: string;
  policy: ServerGroupPolicy;
  rules?: { maxServerPerHost?: number };
  /** Server ids. */
  members: string[];
}

/** A volume attached to a server, as Nova and Cinder see it. */
export interface BlockDevice {
  volumeId: string;
  /** Device name inside the guest as Nova recorded it, e.g. /dev/vdb. */
  device?: string;
  /** 0 for the boot disk of a boot-from-volume server; absent for other disks. */
  bootIndex?: number;
  deleteOnTermination?: boolean;
}

export interface FixedIp {
  ipAddress: string;
  subnetId?: string;
}

/** One NIC of a server: one Neutron port. The order of Server.interfaces is the guest's NIC order. */
export interface ServerInterface {
  portId?: string;
  networkId: string;
  macAddress: string;
  fixedIps: FixedIp[];
}

export interface Server {
  id: string;
  name: string;
  projectId: string;
  userId?: string;
  /** Nova status: ACTIVE, SHUTOFF, ERROR, PAUSED, SUSPENDED, SHELVED_OFFLOADED, ... */
  status: string;
  /** OS-EXT-STS:power_state: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED */
  powerState?: number;
  flavorId: string;
  /** Absent for a server booted from a volume. */
  imageId?: string;
  blockDevices: BlockDevice[];
  interfaces: ServerInterface[];
  /** Security group ids (resolved from the ports). */
  securityGroupIds: string[];
  keyName?: string;
  metadata: Record<string, string>;
  tags?: string[];
  /** Base64, as Nova stores it (OS-EXT-SRV-ATTR:user_data). */
  userData?: string;
  configDrive?: boolean;
  serverGroupId?: string;
  availabilityZone?: string;
  hostname?: string;
  description?: string;
}

export interface VolumeType {
  id: string;
  name: string;
  extraSpecs?: Record<string, string>;
}

export interface VolumeAttachment {
  serverId: string;
  device?: string;
  attachmentId?: string;
}

export interface Volume {
  id: string;
  name: string;
  projectId: string;
  /** GiB */
  size: number;
  volumeType?: string;
  status?: string;
  bootable: boolean;
  multiattach?: boolean;
  encrypted?: boolean;
  availabilityZone?: string;
  /** Image properties copied onto a volume created from an image (hw_*, os_*, ...). */
  volumeImageMetadata?: Record<string, string>;
  attachments: VolumeAttachment[];
}

export interface Network {
  id: string;
  name: string;
  projectId: string;
  shared?: boolean;
  /** router:external */
  external?: boolean;
  mtu?: number;
  providerNetworkType?: string;
  providerSegmentationId?: number;
  subnetIds?: string[];
}

export interface HostRoute {
  destination: string;
  nexthop: string;
}

export interface Subnet {
  id: string;
  name: string;
  networkId: string;
  projectId?: string;
  ipVersion: 4 | 6;
  cidr: string;
  gatewayIp?: string | null;
  enableDhcp: boolean;
  dnsNameservers?: string[];
  hostRoutes?: HostRoute[];
  ipv6AddressMode?: string | null;
  ipv6RaMode?: string | null;
}

export interface Port {
  id: string;
  name?: string;
  networkId: string;
  projectId?: string;
  macAddress: string;
  fixedIps: FixedIp[];
  deviceId?: string;
  deviceOwner?: string;
  securityGroupIds: string[];
  portSecurityEnabled?: boolean;
  allowedAddressPairs?: { ipAddress: string; macAddress?: string }[];
}

export type SecurityGroupDirection = 'ingress' | 'egress';

export interface SecurityGroupRule {
  id: string;
  direction: SecurityGroupDirection;
  ethertype: 'IPv4' | 'IPv6';
  /** null/absent means any protocol; otherwise a name (tcp, udp, icmp, ...) or a number "0".."255". */
  protocol?: string | null;
  portRangeMin?: number | null;
  portRangeMax?: number | null;
  remoteIpPrefix?: string | null;
  remoteGroupId?: string | null;
  remoteAddressGroupId?: string | null;
  description?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  projectId: string;
  description?: string;
  stateful?: boolean;
  rules: SecurityGroupRule[];
}

export interface FloatingIp {
  id: string;
  floatingIpAddress: string;
  floatingNetworkId: string;
  projectId: string;
  portId?: string | null;
  fixedIpAddress?: string | null;
  status?: string;
  description?: string;
}
