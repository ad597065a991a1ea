// KubeVirt v1.9.0's and CDI v1.66.0's own admission code on generated objects: runs
// ../shared/tools/kubevirt-admit/vm-admit-check on every VirtualMachine and dv-admit-check on every
// DataVolume (README there), and returns each verdict. Offline: the programs replay the webhooks (VM mutator
// and validator, then the VMI virt-controller would create through its mutator and validator; CDI's
// DataVolume validator) with a fresh install's configuration.
//
//   const result = admit(plan.objects);
//   expect(result.rejected).toEqual([]);
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';

const TOOLS = resolve(process.env.OSM_SHARED_DIR ?? join(import.meta.dirname, '../../../shared'), 'tools/kubevirt-admit');
export const VM_ADMIT_CHECK = join(TOOLS, 'vm-admit-check');
export const DV_ADMIT_CHECK = join(TOOLS, 'dv-admit-check');

export interface AdmitCause {
  field?: string;
  message: string;
  type?: string;
  featureGates?: string[];
}
export interface AdmitVerdict {
  kind: 'VirtualMachine' | 'DataVolume';
  namespace?: string;
  name: string;
  verdict: 'OK' | 'REJECTED' | 'NEEDS_FEATURE_GATES';
  causes: AdmitCause[];
}
export interface AdmitResult {
  verdicts: AdmitVerdict[];
  /** "<kind> <ns>/<name>: <field>: <message>" for every rejection, to compare with []. */
  rejected: string[];
  /** Feature gates some VM needs (not an error: the plan reports them). */
  featureGates: Record<string, string[]>;
}

export function admitToolsPresent(): boolean {
  return existsSync(VM_ADMIT_CHECK) && existsSync(DV_ADMIT_CHECK);
}

interface Raw {
  name: string;
  namespace?: string;
  verdict: AdmitVerdict['verdict'];
  rejections?: AdmitCause[];
  causes?: AdmitCause[];
  featureGateNeeds?: AdmitCause[];
}

function run(program: string, dir: string): unknown {
  let out: string;
  try {
    out = execFileSync(program, ['-json', dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    // Exit 1: at least one object rejected; the JSON report is still complete on stdout.
    if (err.status !== 1 || !err.stdout) throw new Error(`${program} failed (exit ${err.status}): ${err.stderr ?? ''}`);
    out = err.stdout;
  }
  return JSON.parse(out);
}

/** Admission verdicts for every VirtualMachine and DataVolume among `objects` (others are ignored). */
export function admit(objects: readonly { kind: string }[]): AdmitResult {
  const vms = objects.filter((o) => o.kind === 'VirtualMachine');
  const dvs = objects.filter((o) => o.kind === 'DataVolume');
  const dir = mkdtempSync(join(tmpdir(), 'osm-admit-'));
  const verdicts: AdmitVerdict[] = [];
  try {
    if (vms.length > 0) {
      mkdirAndWrite(join(dir, 'vms'), vms);
      const report = run(VM_ADMIT_CHECK, join(dir, 'vms')) as { vms?: Raw[] };
      for (const v of report.vms ?? [])
        verdicts.push({
          kind: 'VirtualMachine',
          name: v.name,
          namespace: v.namespace,
          verdict: v.verdict,
          causes: [...(v.rejections ?? []), ...(v.featureGateNeeds ?? [])],
        });
    }
    if (dvs.length > 0) {
      mkdirAndWrite(join(dir, 'dvs'), dvs);
      const report = run(DV_ADMIT_CHECK, join(dir, 'dvs')) as { dataVolumes?: Raw[] };
      for (const v of report.dataVolumes ?? [])
        verdicts.push({ kind: 'DataVolume', name: v.name, namespace: v.namespace, verdict: v.verdict, causes: v.causes ?? [] });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (verdicts.filter((v) => v.kind === 'VirtualMachine').length !== vms.length || verdicts.filter((v) => v.kind === 'DataVolume').length !== dvs.length) {
    throw new Error(`admission checked ${verdicts.length} objects of ${vms.length + dvs.length}`);
  }
  const rejected = verdicts
    .filter((v) => v.verdict === 'REJECTED')
    .flatMap((v) => v.causes.filter((c) => !c.featureGates).map((c) => `${v.kind} ${v.namespace ?? ''}/${v.name}: ${c.field ?? ''}: ${c.message}`));
  const featureGates: Record<string, string[]> = {};
  for (const v of verdicts) {
    const gates = [...new Set(v.causes.flatMap((c) => c.featureGates ?? []))].sort();
    if (gates.length > 0) featureGates[`${v.namespace ?? ''}/${v.name}`] = gates;
  }
  return { verdicts, rejected, featureGates };
}

function mkdirAndWrite(dir: string, objects: readonly unknown[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'objects.yaml'), objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1 })).join('---\n'));
}
