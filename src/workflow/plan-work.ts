// The plan, rebuilt in memory from the inventory (pure), cut into what the workflow needs per server.
import type { Inventory } from '../inventory/types.js';
import type { Plan } from '../plan/build.js';
import { ANNOTATIONS, LABELS } from '../translate/naming.js';
import type { KubeObject } from '../translate/model.js';
import type { ServerWork } from './import.js';

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
  return plan.servers.map((s) => {
    const objects = byServer.get(s.id) ?? [];
    return {
      serverId: s.id,
      serverName: s.name,
      namespace: s.namespace,
      vmName: s.vmName,
      dataVolumes: objects.filter((o) => o.kind === 'DataVolume'),
      vm: objects.find((o) => o.kind === 'VirtualMachine'),
      services: objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1'),
      guestAgent: declaresGuestAgent(inventory, s.id),
      policies: policiesByNamespace.get(s.namespace) ?? [],
    };
  });
}

/** Simple label selector (k=v, k!=v, k, !k; comma = and) over the VM's labels, for waves. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  return selector.split(',').map((t) => t.trim()).filter(Boolean).every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return l[ne[1].trim()] !== ne[2].trim();
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (eq) return l[eq[1].trim()] === eq[2].trim();
    if (term.startsWith('!')) return !(term.slice(1) in l);
    return term in l;
  });
}

export interface Selection {
  servers?: string[];
  all?: boolean;
  project?: string;
  selector?: string;
}

/** Servers picked by name or id, --all, --project (name or id) and -l (on the VM's labels). */
export function selectWorks(works: ServerWork[], inventory: Inventory, sel: Selection): ServerWork[] {
  const projects = inventory.projects.filter((p) => sel.project && (p.id === sel.project || p.name === sel.project)).map((p) => p.id);
  return works.filter((w) => {
    const server = inventory.servers.find((s) => s.id === w.serverId);
    if (sel.servers?.length && !sel.servers.some((x) => x === w.serverId || x === w.serverName || x === w.vmName)) return false;
    if (!sel.all && !sel.servers?.length && !sel.project && !sel.selector) return false;
    if (sel.project && !projects.includes(server?.projectId ?? '')) return false;
    return matchesSelector(w.vm?.metadata.labels, sel.selector);
  });
}
