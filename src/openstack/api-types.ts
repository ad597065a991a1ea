// The API response shapes the readers use, with the field names of the API references (Keystone v3,
// Nova 2.79, Glance v2, Neutron v2.0, Cinder v3), as recorded in ../shared/fixtures/openstack-zed.
// Only the fields the inventory needs are typed; the rest is passed through untouched.

export interface KsDomain {
  id: string;
  name: string;
  enabled?: boolean;
  description?: string | null;
}
export interface KsProject {
  id: string;
  name: string;
  domain_id: string;
  enabled?: boolean;
  description?: string | null;
  tags?: string[];
  is_domain?: boolean;
}
export interface KsUser {
  id: string;
  name: string;
  domain_id: string;
  enabled?: boolean;
}
export interface KsGroup {
  id: string;
  name: string;
  domain_id: string;
  description?: string | null;
}
export interface KsRole {
  id: string;
  name: string;
  domain_id?: string | null;
}
export interface KsRoleAssignment {
  role: { id: string; name?: string };
  user?: { id: string };
  group?: { id: string };
  scope: {
    project?: { id: string };
    domain?: { id: string };
    system?: unknown;
    'OS-INHERIT:inherited_to'?: string;
  };
}

export interface NovaFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  /** "" when 0 at microversions < 2.75. */
  swap: number | string;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  'os-flavor-access:is_public'?: boolean;
  extra_specs?: Record<string, string>;
  description?: string | null;
}
export interface NovaEmbeddedFlavor {
  /** Present at microversions < 2.47 only. */
  id?: string;
  original_name?: string;
  vcpus?: number;
  ram?: number;
  disk?: number;
  ephemeral?: number;
  swap?: number;
  extra_specs?: Record<string, string>;
}
export interface NovaAddress {
  version: number;
  addr: string;
  'OS-EXT-IPS:type'?: string;
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}
export interface NovaServer {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  user_id?: string;
  metadata?: Record<string, string>;
  image: '' | { id: string };
  flavor: NovaEmbeddedFlavor;
  addresses?: Record<string, NovaAddress[]>;
  key_name?: string | null;
  config_drive?: string | boolean;
  description?: string | null;
  tags?: string[];
  security_groups?: { name: string }[];
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-STS:power_state'?: number;
  'OS-EXT-SRV-ATTR:user_data'?: string | null;
  'OS-EXT-SRV-ATTR:hostname'?: string;
  'OS-EXT-SRV-ATTR:root_device_name'?: string | null;
  'os-extended-volumes:volumes_attached'?: { id: string; delete_on_termination?: boolean }[];
}
export interface NovaKeypair {
  name: string;
  public_key: string;
  fingerprint?: string;
  type?: string;
  user_id?: string;
}
export interface NovaServerGroup {
  id: string;
  name: string;
  policy?: string;
  policies?: string[];
  rules?: { max_server_per_host?: number };
  members: string[];
  project_id: string;
  user_id?: string;
}
export interface NovaFlavorAccess {
  flavor_id: string;
  tenant_id: string;
}

export interface GlanceImage {
  id: string;
  name: string | null;
  status?: string;
  owner?: string | null;
  visibility?: string;
  disk_format?: string | null;
  container_format?: string | null;
  size?: number | null;
  virtual_size?: number | null;
  min_disk?: number;
  min_ram?: number;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  tags?: string[];
  [property: string]: unknown;
}

export interface NeutronNetwork {
  id: string;
  name: string;
  project_id?: string;
  tenant_id?: string;
  shared?: boolean;
  'router:external'?: boolean;
  mtu?: number;
  'provider:network_type'?: string | null;
  'provider:segmentation_id'?: number | null;
  subnets?: string[];
}
export interface NeutronSubnet {
  id: string;
  name: string;
  network_id: string;
  project_id?: string;
  ip_version: 4 | 6;
  cidr: string;
  gateway_ip?: string | null;
  enable_dhcp: boolean;
  dns_nameservers?: string[];
  host_routes?: { destination: string; nexthop: string }[];
  ipv6_address_mode?: string | null;
  ipv6_ra_mode?: string | null;
}
export interface NeutronPort {
  id: string;
  name?: string;
  network_id: string;
  project_id?: string;
  tenant_id?: string;
  mac_address: string;
  fixed_ips: { subnet_id?: string; ip_address: string }[];
  device_id?: string;
  device_owner?: string;
  security_groups?: string[];
  port_security_enabled?: boolean;
  allowed_address_pairs?: { ip_address: string; mac_address?: string }[];
  created_at?: string;
}
export interface NeutronSecurityGroupRule {
  id: string;
  security_group_id?: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
  remote_address_group_id?: string | null;
  description?: string | null;
}
export interface NeutronSecurityGroup {
  id: string;
  name: string;
  project_id?: string;
  tenant_id?: string;
  description?: string | null;
  stateful?: boolean;
  security_group_rules?: NeutronSecurityGroupRule[];
}
export interface NeutronFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  project_id?: string;
  tenant_id?: string;
  port_id?: string | null;
  fixed_ip_address?: string | null;
  status?: string;
  description?: string | null;
}

export interface CinderVolumeType {
  id: string;
  name: string;
  extra_specs?: Record<string, string> | null;
}
export interface CinderAttachment {
  id?: string;
  attachment_id?: string;
  volume_id?: string;
  server_id: string;
  device?: string | null;
}
export interface CinderVolume {
  id: string;
  name: string | null;
  size: number;
  status?: string;
  volume_type?: string | null;
  bootable?: string | boolean;
  multiattach?: boolean;
  encrypted?: boolean;
  availability_zone?: string | null;
  'os-vol-tenant-attr:tenant_id'?: string;
  volume_image_metadata?: Record<string, unknown>;
  attachments?: CinderAttachment[];
}

/** Everything read from one cloud, before mapping: the input of the pure mapping in to-inventory.ts. */
export interface RawCloud {
  cloud: string;
  region?: string;
  authUrl?: string;
  /** The project the credentials are scoped to (owner of objects a member's view lists without a project). */
  scopeProjectIds: string[];
  domains: KsDomain[];
  projects: KsProject[];
  users: KsUser[];
  groups: KsGroup[];
  /** group id → user ids */
  groupMembers: Record<string, string[]>;
  roles: KsRole[];
  roleAssignments: KsRoleAssignment[];
  flavors: NovaFlavor[];
  /** flavor id → project ids (private flavors) */
  flavorAccess: Record<string, string[]>;
  keypairs: NovaKeypair[];
  serverGroups: NovaServerGroup[];
  servers: NovaServer[];
  images: GlanceImage[];
  networks: NeutronNetwork[];
  subnets: NeutronSubnet[];
  ports: NeutronPort[];
  securityGroups: NeutronSecurityGroup[];
  floatingIps: NeutronFloatingIp[];
  volumeTypes: CinderVolumeType[];
  volumes: CinderVolume[];
  warnings: string[];
}
