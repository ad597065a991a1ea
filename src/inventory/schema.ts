// JSON Schema of the inventory file (schemaVersion 1). It checks shapes and value ranges; references
// between objects are checked by validate.ts. Unknown fields are errors, so that a typo
// (`flavorID`) is caught instead of silently ignored.
import { INVENTORY_API_VERSION, INVENTORY_KIND, INVENTORY_SCHEMA_VERSION } from './types.js';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const nonEmpty: Schema = { type: 'string', minLength: 1 };
const optStr: Schema = { type: ['string', 'null'] };
const bool: Schema = { type: 'boolean' };
const strMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const strList: Schema = { type: 'array', items: str };
const nonNegInt: Schema = { type: 'integer', minimum: 0 };
const mac: Schema = { type: 'string', pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$' };

function obj(required: string[], properties: Record<string, Schema>): Schema {
  return { type: 'object', required, properties, additionalProperties: false };
}
function list(item: Schema): Schema {
  return { type: 'array', items: item };
}

const fixedIp = obj(['ipAddress'], { ipAddress: nonEmpty, subnetId: str });

export const inventorySchema: Schema = obj(
  ['apiVersion', 'kind', 'schemaVersion', 'metadata', 'servers'],
  {
    apiVersion: { const: INVENTORY_API_VERSION },
    kind: { const: INVENTORY_KIND },
    schemaVersion: { const: INVENTORY_SCHEMA_VERSION },
    metadata: obj(['cloud'], {
      cloud: nonEmpty,
      region: str,
      authUrl: str,
      collectedAt: str,
      warnings: strList,
    }),
    domains: list(obj(['id', 'name'], { id: nonEmpty, name: nonEmpty, enabled: bool, description: optStr })),
    projects: list(
      obj(['id', 'name', 'domainId'], {
        id: nonEmpty, name: nonEmpty, domainId: nonEmpty, enabled: bool, description: optStr, tags: strList,
      }),
    ),
    users: list(obj(['id', 'name', 'domainId'], { id: nonEmpty, name: nonEmpty, domainId: nonEmpty, enabled: bool })),
    groups: list(obj(['id', 'name', 'domainId', 'members'], { id: nonEmpty, name: nonEmpty, domainId: nonEmpty, members: strList })),
    roles: list(obj(['id', 'name'], { id: nonEmpty, name: nonEmpty })),
    roleAssignments: list(
      obj(['roleId'], { roleId: nonEmpty, userId: str, groupId: str, projectId: str, domainId: str, inherited: bool }),
    ),
    flavors: list(
      obj(['id', 'name', 'vcpus', 'ram', 'disk', 'ephemeral', 'swap', 'extraSpecs'], {
        id: nonEmpty,
        name: nonEmpty,
        vcpus: { type: 'integer', minimum: 1 },
        ram: { type: 'integer', minimum: 1 },
        disk: nonNegInt,
        ephemeral: nonNegInt,
        swap: nonNegInt,
        isPublic: bool,
        extraSpecs: strMap,
        projectIds: strList,
      }),
    ),
    images: list(
      obj(['id', 'name', 'properties'], {
        id: nonEmpty,
        name: str,
        status: str,
        ownerProjectId: str,
        visibility: { enum: ['public', 'private', 'shared', 'community'] },
        diskFormat: str,
        containerFormat: str,
        size: nonNegInt,
        virtualSize: nonNegInt,
        minDisk: nonNegInt,
        minRam: nonNegInt,
        checksum: optStr,
        osHashAlgo: optStr,
        osHashValue: optStr,
        tags: strList,
        properties: strMap,
      }),
    ),
    keypairs: list(
      obj(['name', 'publicKey'], { name: nonEmpty, userId: str, type: { enum: ['ssh', 'x509'] }, publicKey: nonEmpty, fingerprint: str }),
    ),
    serverGroups: list(
      obj(['id', 'name', 'projectId', 'policy', 'members'], {
        id: nonEmpty,
        name: str,
        projectId: nonEmpty,
        policy: { enum: ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] },
        rules: obj([], { maxServerPerHost: { type: 'integer', minimum: 1 } }),
        members: strList,
      }),
    ),
    servers: list(
      obj(['id', 'name', 'projectId', 'status', 'flavorId', 'blockDevices', 'interfaces', 'securityGroupIds', 'metadata'], {
        id: nonEmpty,
        name: str,
        projectId: nonEmpty,
        userId: str,
        status: nonEmpty,
        powerState: nonNegInt,
        flavorId: nonEmpty,
        imageId: str,
        blockDevices: list(
          obj(['volumeId'], { volumeId: nonEmpty, device: str, bootIndex: { type: 'integer', minimum: -1 }, deleteOnTermination: bool }),
        ),
        interfaces: list(
          obj(['networkId', 'macAddress', 'fixedIps'], { portId: str, networkId: nonEmpty, macAddress: mac, fixedIps: list(fixedIp) }),
        ),
        securityGroupIds: strList,
        keyName: str,
        metadata: strMap,
        tags: strList,
        userData: { type: 'string', pattern: '^[A-Za-z0-9+/\\s]*={0,2}\\s*$' },
        configDrive: bool,
        serverGroupId: str,
        availabilityZone: str,
        hostname: str,
        description: optStr,
      }),
    ),
    volumeTypes: list(obj(['id', 'name'], { id: nonEmpty, name: nonEmpty, extraSpecs: strMap })),
    volumes: list(
      obj(['id', 'name', 'projectId', 'size', 'bootable', 'attachments'], {
        id: nonEmpty,
        name: str,
        projectId: nonEmpty,
        size: { type: 'integer', minimum: 1 },
        volumeType: str,
        status: str,
        bootable: bool,
        multiattach: bool,
        encrypted: bool,
        availabilityZone: str,
        volumeImageMetadata: strMap,
        attachments: list(obj(['serverId'], { serverId: nonEmpty, device: str, attachmentId: str })),
      }),
    ),
    networks: list(
      obj(['id', 'name', 'projectId'], {
        id: nonEmpty,
        name: str,
        projectId: str,
        shared: bool,
        external: bool,
        mtu: nonNegInt,
        providerNetworkType: optStr,
        providerSegmentationId: { type: ['integer', 'null'] },
        subnetIds: strList,
      }),
    ),
    subnets: list(
      obj(['id', 'name', 'networkId', 'ipVersion', 'cidr', 'enableDhcp'], {
        id: nonEmpty,
        name: str,
        networkId: nonEmpty,
        projectId: str,
        ipVersion: { enum: [4, 6] },
        cidr: nonEmpty,
        gatewayIp: optStr,
        enableDhcp: bool,
        dnsNameservers: strList,
        hostRoutes: list(obj(['destination', 'nexthop'], { destination: nonEmpty, nexthop: nonEmpty })),
        ipv6AddressMode: optStr,
        ipv6RaMode: optStr,
      }),
    ),
    ports: list(
      obj(['id', 'networkId', 'macAddress', 'fixedIps', 'securityGroupIds'], {
        id: nonEmpty,
        name: str,
        networkId: nonEmpty,
        projectId: str,
        macAddress: mac,
        fixedIps: list(fixedIp),
        deviceId: str,
        deviceOwner: str,
        securityGroupIds: strList,
        portSecurityEnabled: bool,
        allowedAddressPairs: list(obj(['ipAddress'], { ipAddress: nonEmpty, macAddress: str })),
      }),
    ),
    securityGroups: list(
      obj(['id', 'name', 'projectId', 'rules'], {
        id: nonEmpty,
        name: str,
        projectId: nonEmpty,
        description: optStr,
        stateful: bool,
        rules: list(
          obj(['id', 'direction', 'ethertype'], {
            id: nonEmpty,
            direction: { enum: ['ingress', 'egress'] },
            ethertype: { enum: ['IPv4', 'IPv6'] },
            protocol: optStr,
            portRangeMin: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
            portRangeMax: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
            remoteIpPrefix: optStr,
            remoteGroupId: optStr,
            remoteAddressGroupId: optStr,
            description: optStr,
          }),
        ),
      }),
    ),
    floatingIps: list(
      obj(['id', 'floatingIpAddress', 'floatingNetworkId', 'projectId'], {
        id: nonEmpty,
        floatingIpAddress: nonEmpty,
        floatingNetworkId: nonEmpty,
        projectId: nonEmpty,
        portId: optStr,
        fixedIpAddress: optStr,
        status: str,
        description: optStr,
      }),
    ),
  },
);

/** Collections that may be omitted in a hand-written file; the loader fills them with []. */
export const COLLECTIONS = [
  'domains', 'projects', 'users', 'groups', 'roles', 'roleAssignments', 'flavors', 'images', 'keypairs',
  'serverGroups', 'servers', 'volumeTypes', 'volumes', 'networks', 'subnets', 'ports', 'securityGroups', 'floatingIps',
] as const;
