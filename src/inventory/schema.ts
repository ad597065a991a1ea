// The inventory format (schemaVersion 1), written once: each TypeBox schema below is a plain JSON Schema
// object (what ajv validates, see validator.ts) and its TypeScript type (`Static<typeof X>`, exported
// by types.ts). A field added, renamed or made optional here changes both, so they cannot drift apart.
// The schema checks shapes and value ranges; references between objects are checked by validate.ts.
// Unknown fields are errors, so that a typo (`flavorID`) is caught instead of silently ignored.
// After a change here run `npm run generate:validator` (test/unit/inventory/validator.test.ts fails
// until the precompiled validator matches this schema).
import { type TSchema, Type } from '@sinclair/typebox';
import { INVENTORY_API_VERSION, INVENTORY_KIND, INVENTORY_SCHEMA_VERSION } from './types.js';

// Small builders that emit exactly the JSON Schema keywords the format has always used (`type: [x, 'null']`
// and `enum`, not TypeBox's anyOf unions), so that validation and its error messages stay the same.
const str = () => Type.String();
const nonEmpty = () => Type.String({ minLength: 1 });
const optStr = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });
const bool = () => Type.Boolean();
const strMap = () => Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' } });
const strList = () => Type.Array(Type.String());
const nonNegInt = () => Type.Integer({ minimum: 0 });
const mac = () => Type.String({ pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$' });
const oneOf = <const T extends readonly (string | number)[]>(values: T) => Type.Unsafe<T[number]>({ enum: values });
const constant = <const T extends string | number>(value: T) => Type.Unsafe<T>({ const: value });
const opt = Type.Optional;
function obj<P extends Record<string, TSchema>>(properties: P) {
  return Type.Object(properties, { additionalProperties: false });
}

export const FixedIpSchema = obj({ ipAddress: nonEmpty(), subnetId: opt(str()) });

export const InventoryMetadataSchema = obj({
  /** Name of the cloud (clouds.yaml entry or a free label). */
  cloud: nonEmpty(),
  region: opt(str()),
  /** Keystone URL the inventory was read from (never with credentials). */
  authUrl: opt(str()),
  collectedAt: opt(str()),
  /** What the collector could not read (e.g. "users: 403 Forbidden, role assignments are incomplete"). */
  warnings: opt(strList()),
});

export const DomainSchema = obj({ id: nonEmpty(), name: nonEmpty(), enabled: opt(bool()), description: opt(optStr()) });

export const ProjectSchema = obj({
  id: nonEmpty(),
  name: nonEmpty(),
  domainId: nonEmpty(),
  enabled: opt(bool()),
  description: opt(optStr()),
  tags: opt(strList()),
});

export const UserSchema = obj({ id: nonEmpty(), name: nonEmpty(), domainId: nonEmpty(), enabled: opt(bool()) });

export const GroupSchema = obj({
  id: nonEmpty(),
  name: nonEmpty(),
  domainId: nonEmpty(),
  /** User ids. */
  members: strList(),
});

export const RoleSchema = obj({ id: nonEmpty(), name: nonEmpty() });

/** One Keystone role assignment: exactly one of userId/groupId, exactly one of projectId/domainId (validate.ts). */
export const RoleAssignmentSchema = obj({
  roleId: nonEmpty(),
  userId: opt(str()),
  groupId: opt(str()),
  projectId: opt(str()),
  domainId: opt(str()),
  /** OS-INHERIT: a domain grant that applies to every project of the domain. */
  inherited: opt(bool()),
});

export const FlavorSchema = obj({
  id: nonEmpty(),
  name: nonEmpty(),
  vcpus: Type.Integer({ minimum: 1 }),
  /** MiB */
  ram: Type.Integer({ minimum: 1 }),
  /** GiB; 0 means the root disk is a volume or sized from the image. */
  disk: nonNegInt(),
  /** GiB */
  ephemeral: nonNegInt(),
  /** MiB */
  swap: nonNegInt(),
  isPublic: opt(bool()),
  extraSpecs: strMap(),
  /** Project ids with access to a private flavor. */
  projectIds: opt(strList()),
});

export const ImageSchema = obj({
  id: nonEmpty(),
  name: str(),
  status: opt(str()),
  ownerProjectId: opt(str()),
  visibility: opt(oneOf(['public', 'private', 'shared', 'community'])),
  diskFormat: opt(str()),
  containerFormat: opt(str()),
  /** bytes */
  size: opt(nonNegInt()),
  /** bytes */
  virtualSize: opt(nonNegInt()),
  /** GiB */
  minDisk: opt(nonNegInt()),
  /** MiB */
  minRam: opt(nonNegInt()),
  checksum: opt(optStr()),
  osHashAlgo: opt(optStr()),
  osHashValue: opt(optStr()),
  tags: opt(strList()),
  /** Every other image property (hw_*, os_*, img_*, custom keys), values as Glance returns them, as strings. */
  properties: strMap(),
});

export const KeypairSchema = obj({
  name: nonEmpty(),
  /** Keypairs belong to a user; the same name may exist for several users. */
  userId: opt(str()),
  type: opt(oneOf(['ssh', 'x509'])),
  publicKey: nonEmpty(),
  fingerprint: opt(str()),
});

export const ServerGroupSchema = obj({
  id: nonEmpty(),
  name: str(),
  projectId: nonEmpty(),
  policy: oneOf(['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity']),
  rules: opt(obj({ maxServerPerHost: opt(Type.Integer({ minimum: 1 })) })),
  /** Server ids. */
  members: strList(),
});

/** A volume attached to a server, as Nova and Cinder see it. */
export const BlockDeviceSchema = obj({
  volumeId: nonEmpty(),
  /** Device name inside the guest as Nova recorded it, e.g. /dev/vdb. */
  device: opt(str()),
  /** 0 for the boot disk of a boot-from-volume server; absent for other disks. */
  bootIndex: opt(Type.Integer({ minimum: -1 })),
  deleteOnTermination: opt(bool()),
});

/** One NIC of a server: one Neutron port. The order of Server.interfaces is the guest's NIC order. */
export const ServerInterfaceSchema = obj({ portId: opt(str()), networkId: nonEmpty(), macAddress: mac(), fixedIps: Type.Array(FixedIpSchema) });

export const ServerSchema = obj({
  id: nonEmpty(),
  name: str(),
  projectId: nonEmpty(),
  userId: opt(str()),
  /** Nova status: ACTIVE, SHUTOFF, ERROR, PAUSED, SUSPENDED, SHELVED_OFFLOADED, ... */
  status: nonEmpty(),
  /** OS-EXT-STS:power_state: 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED */
  powerState: opt(nonNegInt()),
  flavorId: nonEmpty(),
  /** Absent for a server booted from a volume. */
  imageId: opt(str()),
  blockDevices: Type.Array(BlockDeviceSchema),
  interfaces: Type.Array(ServerInterfaceSchema),
  /** Security group ids (resolved from the ports). */
  securityGroupIds: strList(),
  keyName: opt(str()),
  metadata: strMap(),
  tags: opt(strList()),
  /** Base64, as Nova stores it (OS-EXT-SRV-ATTR:user_data). */
  userData: opt(Type.String({ pattern: '^[A-Za-z0-9+/\\s]*={0,2}\\s*$' })),
  configDrive: opt(bool()),
  serverGroupId: opt(str()),
  availabilityZone: opt(str()),
  hostname: opt(str()),
  description: opt(optStr()),
});

export const VolumeTypeSchema = obj({ id: nonEmpty(), name: nonEmpty(), extraSpecs: opt(strMap()) });

export const VolumeAttachmentSchema = obj({ serverId: nonEmpty(), device: opt(str()), attachmentId: opt(str()) });

export const VolumeSchema = obj({
  id: nonEmpty(),
  name: str(),
  projectId: nonEmpty(),
  /** GiB */
  size: Type.Integer({ minimum: 1 }),
  volumeType: opt(str()),
  status: opt(str()),
  bootable: bool(),
  multiattach: opt(bool()),
  encrypted: opt(bool()),
  availabilityZone: opt(str()),
  /** Image properties copied onto a volume created from an image (hw_*, os_*, ...). */
  volumeImageMetadata: opt(strMap()),
  attachments: Type.Array(VolumeAttachmentSchema),
});

export const NetworkSchema = obj({
  id: nonEmpty(),
  name: str(),
  projectId: str(),
  shared: opt(bool()),
  /** router:external */
  external: opt(bool()),
  mtu: opt(nonNegInt()),
  providerNetworkType: opt(optStr()),
  providerSegmentationId: opt(Type.Unsafe<number | null>({ type: ['integer', 'null'] })),
  subnetIds: opt(strList()),
});

export const HostRouteSchema = obj({ destination: nonEmpty(), nexthop: nonEmpty() });

export const SubnetSchema = obj({
  id: nonEmpty(),
  name: str(),
  networkId: nonEmpty(),
  projectId: opt(str()),
  ipVersion: oneOf([4, 6]),
  cidr: nonEmpty(),
  gatewayIp: opt(optStr()),
  enableDhcp: bool(),
  dnsNameservers: opt(strList()),
  hostRoutes: opt(Type.Array(HostRouteSchema)),
  ipv6AddressMode: opt(optStr()),
  ipv6RaMode: opt(optStr()),
});

export const PortSchema = obj({
  id: nonEmpty(),
  name: opt(str()),
  networkId: nonEmpty(),
  projectId: opt(str()),
  macAddress: mac(),
  fixedIps: Type.Array(FixedIpSchema),
  deviceId: opt(str()),
  deviceOwner: opt(str()),
  securityGroupIds: strList(),
  portSecurityEnabled: opt(bool()),
  allowedAddressPairs: opt(Type.Array(obj({ ipAddress: nonEmpty(), macAddress: opt(str()) }))),
});

const portNumber = () => Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0, maximum: 65535 });

export const SecurityGroupRuleSchema = obj({
  id: nonEmpty(),
  direction: oneOf(['ingress', 'egress']),
  ethertype: oneOf(['IPv4', 'IPv6']),
  /** null/absent means any protocol; otherwise a name (tcp, udp, icmp, ...) or a number "0".."255". */
  protocol: opt(optStr()),
  portRangeMin: opt(portNumber()),
  portRangeMax: opt(portNumber()),
  remoteIpPrefix: opt(optStr()),
  remoteGroupId: opt(optStr()),
  remoteAddressGroupId: opt(optStr()),
  description: opt(optStr()),
});

export const SecurityGroupSchema = obj({
  id: nonEmpty(),
  name: str(),
  projectId: nonEmpty(),
  description: opt(optStr()),
  stateful: opt(bool()),
  rules: Type.Array(SecurityGroupRuleSchema),
});

export const FloatingIpSchema = obj({
  id: nonEmpty(),
  floatingIpAddress: nonEmpty(),
  floatingNetworkId: nonEmpty(),
  projectId: nonEmpty(),
  portId: opt(optStr()),
  fixedIpAddress: opt(optStr()),
  status: opt(str()),
  description: opt(optStr()),
});

/**
 * The whole file. Collections may be omitted in a hand-written file (the loader fills them with [], see
 * COLLECTIONS); `Inventory` in types.ts is this type with every collection present.
 */
export const InventorySchema = obj({
  apiVersion: constant(INVENTORY_API_VERSION),
  kind: constant(INVENTORY_KIND),
  schemaVersion: constant(INVENTORY_SCHEMA_VERSION),
  metadata: InventoryMetadataSchema,
  domains: opt(Type.Array(DomainSchema)),
  projects: opt(Type.Array(ProjectSchema)),
  users: opt(Type.Array(UserSchema)),
  groups: opt(Type.Array(GroupSchema)),
  roles: opt(Type.Array(RoleSchema)),
  roleAssignments: opt(Type.Array(RoleAssignmentSchema)),
  flavors: opt(Type.Array(FlavorSchema)),
  images: opt(Type.Array(ImageSchema)),
  keypairs: opt(Type.Array(KeypairSchema)),
  serverGroups: opt(Type.Array(ServerGroupSchema)),
  // `servers` is the one collection a file must list (an inventory without servers is a mistake).
  servers: Type.Array(ServerSchema),
  volumeTypes: opt(Type.Array(VolumeTypeSchema)),
  volumes: opt(Type.Array(VolumeSchema)),
  networks: opt(Type.Array(NetworkSchema)),
  subnets: opt(Type.Array(SubnetSchema)),
  ports: opt(Type.Array(PortSchema)),
  securityGroups: opt(Type.Array(SecurityGroupSchema)),
  floatingIps: opt(Type.Array(FloatingIpSchema)),
});

/** Collections that may be omitted in a hand-written file; the loader fills them with []. */
export const COLLECTIONS = [
  'domains',
  'projects',
  'users',
  'groups',
  'roles',
  'roleAssignments',
  'flavors',
  'images',
  'keypairs',
  'serverGroups',
  'servers',
  'volumeTypes',
  'volumes',
  'networks',
  'subnets',
  'ports',
  'securityGroups',
  'floatingIps',
] as const;

/** The JSON Schema of the file (also what the precompiled validator was generated from). */
export const inventorySchema: TSchema = InventorySchema;
