// Assembles the whole plan: names first (namespaces, VM names), then every translation module, then a
// stable order. Pure: the same inventory and options always give byte-identical objects and findings.
import { enforceServerLimits, enforceSharedLimits } from './limits.js';
import { indexInventory } from '../inventory/index.js';
import type { Inventory, Server } from '../inventory/types.js';
import type { PlanContext } from '../translate/context.js';
import { defaultPlanConfig } from '../translate/defaults.js';
import type { Finding, PlanObject, PlanConfig, Translation } from '../translate/model.js';
import { LABELS, MANAGER, uniqueDnsLabel, toDnsLabel } from '../translate/naming.js';
import { assignNamespaces } from '../translate/tenancy.js';
import { roleBindingsFor } from '../translate/rbac.js';
import { networkPoliciesFor } from '../translate/security-groups.js';
import { calicoPoliciesFor } from '../translate/calico-policies.js';
import { servicesFor } from '../translate/services.js';
import { networkAttachmentDefinitions } from '../translate/server-networks.js';
import { multiNetworkPoliciesFor } from '../translate/multi-network-policies.js';
import { translateServer } from '../translate/vm.js';
import { orderObjects } from './order.js';
import { TextInterner } from '../report/packed-findings.js';
import { inventoryDigestOf, planIdOf, TOOL_GIT_VERSION, type PlanIdentity } from './plan-id.js';

export interface Plan {
  /** plan/plan-id.ts: over the inventory, the configuration and the tool version (or the user's planId). */
  planId: string;
  /** What the plan id was made of, as the workflow records it in the cluster (workflow/plan-contract.ts). */
  identity: PlanIdentity;
  cloud: string;
  objects: PlanObject[];
  findings: Finding[];
  /** Servers in the plan, in report order, with where they go. */
  servers: PlannedServer[];
}

export interface PlannedServer {
  id: string;
  name: string;
  status: string;
  namespace: string;
  vmName: string;
}

/**
 * VM names: the server name as an RFC 1123 label, unique in its namespace. Servers are processed sorted
 * by (name, id) so that the server that keeps the plain name does not depend on the inventory order.
 */
export function assignVmNames(servers: Server[], namespaceByProject: Map<string, string>): { vmNameByServer: Map<string, string>; findings: Finding[] } {
  const vmNameByServer = new Map<string, string>();
  const findings: Finding[] = [];
  const takenByNamespace = new Map<string, Set<string>>();
  const sorted = [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const server of sorted) {
    const namespace = namespaceByProject.get(server.projectId) ?? '';
    let taken = takenByNamespace.get(namespace);
    if (!taken) takenByNamespace.set(namespace, (taken = new Set()));
    const name = uniqueDnsLabel(server.name, server.id, taken);
    taken.add(name);
    vmNameByServer.set(server.id, name);
    if (name !== server.name) {
      const plain = toDnsLabel(server.name);
      findings.push({
        source: `server/${server.id}`,
        sourceName: server.name,
        serverId: server.id,
        attribute: 'server.name',
        outcome: 'approximate',
        severity: 'info',
        target: 'metadata.name',
        reason:
          plain && plain !== name
            ? `"${server.name}" is taken in namespace ${namespace} by another server of the same name; the VM is named "${name}" (original name kept in an annotation)`
            : `"${server.name}" is not a valid Kubernetes name (RFC 1123 label); the VM is named "${name}" (original name kept in an annotation)`,
      });
    }
  }
  return { vmNameByServer, findings };
}

/**
 * Every object carries the plugin's manager and plan labels, whichever module made it. Most modules write
 * both already (each object's labels are its own map): then the copy would have the same keys in the same
 * order and the same values, and is skipped; copying a VM's labels, whose keys vary from VM to VM, took
 * the spread's slow path ~40,000 times in a 10,000-server plan.
 */
export function stampPlanLabels(objects: PlanObject[], planId: string): void {
  for (const object of objects) {
    const labels = object.metadata.labels;
    if (labels !== undefined && labels[LABELS.managedBy] === MANAGER && labels[LABELS.planId] === planId) continue;
    object.metadata.labels = { ...labels, [LABELS.managedBy]: MANAGER, [LABELS.planId]: planId };
  }
}

/**
 * Everything the plan decides before any server is translated: names, the shared objects (namespaces,
 * RBAC, policies, NADs, Services) and their findings, and a translator for one server. buildPlan runs it
 * over every server; the CLI's directory writer runs it namespace by namespace, so that a large cloud's
 * objects never have to be held all at once. Both give the same objects and findings.
 */
export interface PlanBuilder {
  planId: string;
  identity: PlanIdentity;
  cloud: string;
  /** Servers in report order (namespace/vmName), with where they go. */
  servers: PlannedServer[];
  /**
   * Objects and findings of everything but the servers' own translation, in plan production order
   * (streamPlanFiles takes the objects out as it writes them).
   */
  shared: Translation;
  /** One server's objects (labels stamped) and findings. */
  translate(server: Server): Translation;
}

/**
 * `writtenAtOnce`: the caller turns each translation's objects into text at once and never changes them
 * (plan/stream.ts), so servers may share frozen parts (PlanContext.shareHardware). `toolVersion`: the
 * version hashed into the plan id (this build's, unless a test asks for another).
 */
export function preparePlan(
  inventory: Inventory,
  config: PlanConfig = defaultPlanConfig(),
  options: { writtenAtOnce?: boolean; toolVersion?: string } = {},
): PlanBuilder {
  const identity: PlanIdentity = { inventoryDigest: inventoryDigestOf(inventory), config, toolVersion: options.toolVersion ?? TOOL_GIT_VERSION };
  const planId = config.planId ?? planIdOf(identity);
  const index = indexInventory(inventory);
  const tenancy = assignNamespaces(inventory, config, planId);
  const names = assignVmNames(inventory.servers, tenancy.namespaceByProject);
  const ctx: PlanContext = {
    inventory,
    index,
    config,
    planId,
    namespaceByProject: tenancy.namespaceByProject,
    vmNameByServer: names.vmNameByServer,
    shareHardware: options.writtenAtOnce === true,
  };

  const parts: Translation[] = [
    tenancy.translation,
    { objects: [], findings: names.findings },
    roleBindingsFor(ctx),
    networkPoliciesFor(ctx),
    calicoPoliciesFor(ctx),
    networkAttachmentDefinitions(ctx),
    multiNetworkPoliciesFor(ctx),
    servicesFor(ctx),
  ];
  const shared: Translation = { objects: [], findings: [] };
  for (const part of parts) {
    for (const o of part.objects) shared.objects.push(o);
    for (const f of part.findings) shared.findings.push(f);
  }
  enforceSharedLimits(shared);
  stampPlanLabels(shared.objects, planId);

  const servers: PlannedServer[] = inventory.servers
    .map((s) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      namespace: tenancy.namespaceByProject.get(s.projectId) ?? '',
      vmName: names.vmNameByServer.get(s.id) ?? '',
    }))
    .sort((a, b) => (a.namespace + '/' + a.vmName < b.namespace + '/' + b.vmName ? -1 : 1));

  return {
    planId,
    identity,
    cloud: inventory.metadata.cloud,
    servers,
    shared,
    translate(server: Server): Translation {
      // What the target refuses (sizes, quantities) is taken out and reported here (plan/limits.ts).
      const t = enforceServerLimits(translateServer(ctx, server), server);
      stampPlanLabels(t.objects, planId);
      return t;
    },
  };
}

export function buildPlan(inventory: Inventory, config: PlanConfig = defaultPlanConfig(), options: { toolVersion?: string } = {}): Plan {
  const builder = preparePlan(inventory, config, options);
  const objects: PlanObject[] = builder.shared.objects.slice();
  const findings: Finding[] = builder.shared.findings.slice();
  // Each server's findings repeat the texts of others' (report/packed-findings.ts): one copy of each.
  const texts = new TextInterner();
  for (const server of inventory.servers) {
    const part = builder.translate(server);
    for (const o of part.objects) objects.push(o);
    for (const f of part.findings) findings.push(texts.internFinding(f));
  }
  return {
    planId: builder.planId,
    identity: builder.identity,
    cloud: builder.cloud,
    objects: orderObjects(objects),
    findings: sortFindings(findings),
    servers: builder.servers,
  };
}

/**
 * Findings grouped by source object (sources in sorted order), keeping within a source the order the
 * translation produced them in, which is itself deterministic. Grouping is O(n); a full comparison sort
 * of a large cloud's findings (25+ per server) was the plan's single largest cost.
 */
export function sortFindings(findings: Finding[]): Finding[] {
  const bySource = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = bySource.get(f.source);
    if (list) list.push(f);
    else bySource.set(f.source, [f]);
  }
  const sources = [...bySource.keys()].sort();
  const out: Finding[] = [];
  for (const source of sources) for (const f of bySource.get(source)!) out.push(f);
  return out;
}
