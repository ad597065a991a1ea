// The inventory: everything the plan needs to know about an OpenStack cloud, and nothing secret.
// It is written by `inventory` (from the live APIs) or by hand, and read by `plan`.
// Field names are camelCase versions of the OpenStack API names, so that a reader of the API reference
// finds each field; ids are the OpenStack ids. The format is documented in docs/inventory-format.md.
// The shapes are defined once, as JSON Schema, in schema.ts; the types here are derived from it.
import type { Static } from '@sinclair/typebox';
import type * as S from './schema.js';

export const INVENTORY_API_VERSION = 'openstack-migrate.io/v1alpha1';
export const INVENTORY_KIND = 'Inventory';
/** Bumped on every incompatible change of the shape in schema.ts; the loader refuses other versions. */
export const INVENTORY_SCHEMA_VERSION = 1;

/** An inventory file as written (collections other than `servers` may be omitted). */
export type InventoryFile = Static<typeof S.InventorySchema>;
/** An inventory as loaded: every collection present (the loader fills omitted ones with []). */
export type Inventory = Required<InventoryFile>;

export type InventoryMetadata = Static<typeof S.InventoryMetadataSchema>;
export type Domain = Static<typeof S.DomainSchema>;
export type Project = Static<typeof S.ProjectSchema>;
export type User = Static<typeof S.UserSchema>;
export type Group = Static<typeof S.GroupSchema>;
export type Role = Static<typeof S.RoleSchema>;
export type RoleAssignment = Static<typeof S.RoleAssignmentSchema>;
export type Flavor = Static<typeof S.FlavorSchema>;
export type Image = Static<typeof S.ImageSchema>;
export type Keypair = Static<typeof S.KeypairSchema>;
export type ServerGroup = Static<typeof S.ServerGroupSchema>;
export type ServerGroupPolicy = ServerGroup['policy'];
export type BlockDevice = Static<typeof S.BlockDeviceSchema>;
export type FixedIp = Static<typeof S.FixedIpSchema>;
export type ServerInterface = Static<typeof S.ServerInterfaceSchema>;
export type Server = Static<typeof S.ServerSchema>;
export type VolumeType = Static<typeof S.VolumeTypeSchema>;
export type VolumeAttachment = Static<typeof S.VolumeAttachmentSchema>;
export type Volume = Static<typeof S.VolumeSchema>;
export type Network = Static<typeof S.NetworkSchema>;
export type HostRoute = Static<typeof S.HostRouteSchema>;
export type Subnet = Static<typeof S.SubnetSchema>;
export type Port = Static<typeof S.PortSchema>;
export type SecurityGroupRule = Static<typeof S.SecurityGroupRuleSchema>;
export type SecurityGroupDirection = SecurityGroupRule['direction'];
export type SecurityGroup = Static<typeof S.SecurityGroupSchema>;
export type FloatingIp = Static<typeof S.FloatingIpSchema>;
