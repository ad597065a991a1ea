// The plan, rebuilt in memory from the inventory (pure), cut into what the workflow needs per server.
import type { Inventory } from '../inventory/types.js';
import type { Plan } from '../plan/build.js';
import { ANNOTATIONS, LABELS } from '../translate/naming.js';
import type { KubeObject } from '../translate/model.js';
import type { ServerWork } from './import.js';
import { selectCandidates, selectionLabels, type SelectionCandidate, type SelectionFlags } from './selection.js';

function serverOf(o: KubeObject): string | undefined {
  return o.metadata.labels?.[LABELS.serverId] ?? o.metadata.annotations?.[ANNOTATIONS.serverId];
}

/** Image property hw_qemu_guest_agent of the server's image, or of its boot volume's image metadata. */
export function declaresGuestAgent(inventory: Inventory, serverId: string): boolean {
  const server = inventory.servers.find((s) => s.id === serverId);
  if (!server) return false;
  const yes = (v: string | undefined) => ['yes', 'true', '1'].includes(String(v ?? '').toLowerCase());
  const image = server.imageId ? inventory.images.find((i) => i.id === server.imageId) : undefined;
  if (image) return yes(image.properties.hw_qemu_guest_agent);
  const boot = server.blockDevices.find((b) => b.bootIndex === 0);
  const volume = boot ? inventory.volumes.find((v) => v.id === boot.volumeId) : undefined;
  return yes(volume?.volumeImageMetadata?.hw_qemu_guest_agent);
}

export function serverWorks(plan: Plan, inventory: Inventory): ServerWork[] {
  const byServer = new Map<string, KubeObject[]>();
  for (const o of plan.objects) {
    const id = serverOf(o);
    if (!id) continue;
    const list = byServer.get(id) ?? [];
    list.push(o);
    byServer.set(id, list);
  }
  const policiesByNamespace = new Map<string, string[]>();
  for (const o of plan.objects) {
    if (o.kind !== 'NetworkPolicy' || o.apiVersion !== 'networking.k8s.io/v1' || !o.metadata.namespace) continue;
    policiesByNamespace.set(o.metadata.namespace, [...(policiesByNamespace.get(o.metadata.namespace) ?? []), o.metadata.name]);
  }
  const servers = new Map(inventory.servers.map((s) => [s.id, s]));
  const projectNames = new Map(inventory.projects.map((p) => [p.id, p.name]));
  return plan.servers.map((s) => {
    const objects = byServer.get(s.id) ?? [];
    const vm = objects.find((o) => o.kind === 'VirtualMachine');
    const server = servers.get(s.id);
    const projectId = server?.projectId;
    const projectName = projectId ? projectNames.get(projectId) : undefined;
    return {
      serverId: s.id,
      serverName: s.name,
      namespace: s.namespace,
      vmName: s.vmName,
      ...(projectId ? { projectId } : {}),
      selection: { labels: selectionLabels(server?.metadata, vm?.metadata.labels), ...(projectName ? { projectName } : {}) },
      dataVolumes: objects.filter((o) => o.kind === 'DataVolume'),
      vm,
      services: objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1'),
      guestAgent: declaresGuestAgent(inventory, s.id),
      policies: policiesByNamespace.get(s.namespace) ?? [],
    };
  });
}

/** The selection candidates of the plan's servers (selection.ts), for picking works or backup targets. */
export function selectPlannedWorks(works: ServerWork[], flags: SelectionFlags): ServerWork[] {
  return selectCandidates(works.map(candidateOf), flags).map((c) => c.work);
}

function candidateOf(w: ServerWork): SelectionCandidate & { work: ServerWork } {
  return {
    serverId: w.serverId,
    serverName: w.serverName,
    namespace: w.namespace,
    vmName: w.vmName,
    projectId: w.projectId,
    projectName: w.selection?.projectName,
    labels: w.selection?.labels ?? {},
    work: w,
  };
}
