// The plan id: one identity for the plan a team reviews, the labels on every object it makes, the marker
// of a plan directory and the contract the workflow records in the cluster (workflow/plan-contract.ts).
// It hashes the inventory content, the resolved configuration and the tool version, because each of the
// three can change what is planned: a plan made with other options or by another version is another plan.
// Pure: no I/O (the tool version is a constant of the build, see src/tool-version.ts).
import { createHash, type Hash } from 'node:crypto';
import type { Inventory } from '../inventory/types.js';
import type { PlanConfig } from '../translate/model.js';
import { TOOL_VERSION } from '../tool-version.js';

/** The version recorded with a plan, spelt as `version --client` prints it (gitVersion). */
export const TOOL_GIT_VERSION = `v${TOOL_VERSION}`;

export interface PlanIdentity {
  /** Digest of the inventory content (collection time excluded). */
  inventoryDigest: string;
  /** The resolved configuration (`planId`, a name given by the user, is not part of what is hashed). */
  config: PlanConfig;
  toolVersion: string;
}

/** JSON with object keys sorted and undefined members left out, so that the id does not depend on key order. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(sort(value));
}

/** The configuration as it is hashed and recorded: canonical, without the user's own plan name. */
export function hashedConfig(config: PlanConfig): PlanConfig {
  const { planId: _name, ...rest } = config;
  return JSON.parse(canonicalJson(rest)) as PlanConfig;
}

/** sha256 (16 hex) over inventory digest + configuration + tool version. */
export function planIdOf(identity: PlanIdentity): string {
  return createHash('sha256')
    .update(canonicalJson({ inventory: identity.inventoryDigest, config: hashedConfig(identity.config), toolVersion: identity.toolVersion }))
    .digest('hex')
    .slice(0, 16);
}

/** A stable digest of the inventory content: the same inventory gives the same digest. */
export function inventoryDigestOf(inventory: Inventory): string {
  // Hash the content without the collection timestamp, so re-collecting an unchanged cloud keeps the id.
  // The hash is of JSON.stringify({ cloud, content }), fed to it piece by piece (each server, each
  // port, …) so that a large inventory is never one 30 MB string; the bytes, and so the id, are the same.
  const { metadata, ...content } = inventory;
  const hash = createHash('sha256');
  updateJson(hash, { cloud: metadata.cloud, content }, 3);
  return hash.digest('hex').slice(0, 10);
}

/**
 * Feed JSON.stringify(value) to `hash`, stringifying separately below `depth` levels of nesting. The
 * pieces are gathered into ~64 KB chunks before each `hash.update` (one call into the native hash per
 * chunk rather than per piece: a 10,000-server inventory is ~150,000 pieces).
 */
function updateJson(hash: Hash, value: unknown, depth: number): void {
  const chunk = { parts: [] as string[], size: 0 };
  const push = (text: string) => {
    chunk.parts.push(text);
    chunk.size += text.length;
    if (chunk.size >= 65_536) {
      hash.update(chunk.parts.join(''));
      chunk.parts = [];
      chunk.size = 0;
    }
  };
  pushJson(push, value, depth);
  if (chunk.parts.length > 0) hash.update(chunk.parts.join(''));
}

function pushJson(push: (text: string) => void, value: unknown, depth: number): void {
  if (depth === 0 || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) push(',');
      pushJson(push, value[i], depth - 1);
    }
    push(']');
    return;
  }
  push('{');
  let first = true;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    // What JSON.stringify leaves out of an object.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    push(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    pushJson(push, v, depth - 1);
  }
  push('}');
}
