// The directory layout must be applicable by `kubectl apply -R -f` in dependency order, and replacing a
// previous plan directory must be all-or-nothing.
import { describe, expect, it } from 'vitest';
import { NO_SUCH_PID } from '../../support/pids.js';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orderObjects } from '../../../src/plan/order.js';
import { planFiles, writePlanDirectory } from '../../../src/plan/write.js';
import { PLAN_MARKER } from '../../../src/plan/owned-directory.js';
import { runCli } from '../../support/cli-run.js';
import type { KubeObject } from '../../../src/translate/model.js';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

const objects = orderObjects([
  obj('kubevirt.io/v1', 'VirtualMachine', 'web-1', 'acme-prod'),
  obj('cdi.kubevirt.io/v1beta1', 'DataVolume', 'web-1-root', 'acme-prod'),
  obj('projectcalico.org/v3', 'NetworkPolicy', 'sg-web-icmp', 'acme-prod'),
  obj('networking.k8s.io/v1', 'NetworkPolicy', 'sg-web', 'acme-prod'),
  obj('v1', 'Service', 'web-1-fip', 'acme-prod'),
  obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'keystone-edit-alice', 'acme-prod'),
  obj('v1', 'Namespace', 'acme-prod'),
  obj('v1', 'Namespace', '0-early'),
  obj('v1', 'Secret', 'web-1-cloudinit', 'acme-prod'),
]);

describe('plan directory', () => {
  it('orders kinds by dependency', () => {
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace',
      'Namespace',
      'Secret',
      'RoleBinding',
      'NetworkPolicy',
      'NetworkPolicy',
      'Service',
      'DataVolume',
      'VirtualMachine',
    ]);
    expect(objects[5]?.apiVersion).toBe('projectcalico.org/v3');
  });

  it('lays out files so that a lexical walk (kubectl apply -R) meets namespaces first', () => {
    const paths = [...planFiles(objects).keys()];
    expect(paths).toEqual([
      'cluster/00-namespaces.yaml',
      'namespaces/acme-prod/20-secrets.yaml',
      'namespaces/acme-prod/30-role-bindings.yaml',
      'namespaces/acme-prod/40-network-policies.yaml',
      'namespaces/acme-prod/45-calico-network-policies.yaml',
      'namespaces/acme-prod/60-services.yaml',
      'namespaces/acme-prod/70-data-volumes.yaml',
      'namespaces/acme-prod/80-virtual-machines.yaml',
    ]);
    // What kubectl's filepath.Walk does: lexical order of the full paths.
    expect([...paths].sort()).toEqual(paths);
  });

  it('replaces a previous plan of its own atomically and leaves no staging directory', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'plan-'));
    const out = join(parent, 'plan');
    await writePlanDirectory(
      out,
      [
        ['cluster/00-namespaces.yaml', 'old'],
        ['namespaces/gone/20-secrets.yaml', 'old'],
      ],
      'plan-1',
    );
    await writePlanDirectory(out, planFiles(objects), 'plan-2');
    expect(existsSync(join(out, 'namespaces/gone'))).toBe(false);
    expect(readFileSync(join(out, 'cluster/00-namespaces.yaml'), 'utf8')).toContain('name: acme-prod');
    expect(readFileSync(join(out, PLAN_MARKER), 'utf8')).toContain('planId: plan-2');
    expect(readdirSync(parent)).toEqual(['plan']);
  });

  it('refuses a directory that holds anything but its own plan, and deletes nothing', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'plan-'));
    const out = join(parent, 'plan');
    mkdirSync(out);
    writeFileSync(join(out, 'stale.yaml'), 'old');
    await expect(writePlanDirectory(out, planFiles(objects), 'p')).rejects.toThrow(/not a plan written by this tool: it holds no plan marker/);
    expect(readFileSync(join(out, 'stale.yaml'), 'utf8')).toBe('old');
    // A plan of ours with a user's file added to it is not replaced either.
    const ours = join(parent, 'ours');
    await writePlanDirectory(ours, planFiles(objects), 'p');
    writeFileSync(join(ours, 'namespaces', 'acme-prod', 'notes.txt'), 'mine');
    await expect(writePlanDirectory(ours, planFiles(objects), 'p')).rejects.toThrow(/notes\.txt, which a plan does not write/);
    expect(readFileSync(join(ours, 'namespaces', 'acme-prod', 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(parent).sort()).toEqual(['ours', 'plan']);
  });
});

describe('plan --out never deletes what the tool did not write (issue 11 items 1 and 4)', () => {
  const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');
  const run = (args: string[]) => runCli(args);

  it('refuses a directory with a user file, keeping the file (exit 1)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'plan-'));
    writeFileSync(join(d, 'notes.txt'), 'precious\n');
    const r = await run(['plan', '-i', EXAMPLE, '--out', d]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not empty and is not a plan written by this tool/);
    expect(readFileSync(join(d, 'notes.txt'), 'utf8')).toBe('precious\n');
    expect(readdirSync(d)).toEqual(['notes.txt']);
  });

  it('refuses the current directory, its parent, and the directory holding the inventory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plan-'));
    const work = join(root, 'work');
    mkdirSync(work);
    copyFileSync(EXAMPLE, join(work, 'cloud.yaml'));
    const cwd = process.cwd();
    process.chdir(work);
    try {
      for (const out of ['.', '..', work]) {
        const r = await run(['plan', '-i', 'cloud.yaml', '--out', out]);
        expect(r.code, out).toBe(1);
        expect(r.err, out).toMatch(/refusing to replace (the current directory|a directory that contains the current directory)/);
      }
    } finally {
      process.chdir(cwd);
    }
    const r = await run(['plan', '-i', join(work, 'cloud.yaml'), '--out', work]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not a plan written by this tool/);
    expect(readdirSync(work)).toEqual(['cloud.yaml']);
    expect(readdirSync(root)).toEqual(['work']);
  });

  it('refuses a file and a symbolic link', async () => {
    const d = mkdtempSync(join(tmpdir(), 'plan-'));
    writeFileSync(join(d, 'afile.txt'), 'text');
    let r = await run(['plan', '-i', EXAMPLE, '--out', join(d, 'afile.txt')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/exists and is not a directory/);
    expect(readFileSync(join(d, 'afile.txt'), 'utf8')).toBe('text');
    mkdirSync(join(d, 'real'));
    symlinkSync(join(d, 'real'), join(d, 'link'));
    r = await run(['plan', '-i', EXAMPLE, '--out', join(d, 'link')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is a symbolic link/);
    expect(readdirSync(d).sort()).toEqual(['afile.txt', 'link', 'real']);
  });

  it('writes into an empty directory and replaces its own plan on the next run', async () => {
    const d = mkdtempSync(join(tmpdir(), 'plan-'));
    const out = join(d, 'plan');
    mkdirSync(out);
    expect((await run(['plan', '-i', EXAMPLE, '--out', out])).code).toBe(0);
    expect(readFileSync(join(out, PLAN_MARKER), 'utf8')).toMatch(/^planId: \S+$/m);
    expect((await run(['plan', '-i', EXAMPLE, '--out', out])).code).toBe(0);
    expect(readdirSync(d)).toEqual(['plan']);
  });

  it('removes the staging and swap directories killed runs left, and only those', async () => {
    const d = mkdtempSync(join(tmpdir(), 'plan-'));
    const out = join(d, 'plan');
    const dead = NO_SUCH_PID;
    // What a plan killed while writing leaves: a staging directory with the marker and some files.
    const tmp = join(d, `.plan.tmp-${dead}`);
    mkdirSync(join(tmp, 'namespaces', 'a'), { recursive: true });
    writeFileSync(join(tmp, PLAN_MARKER), 'planId: x\n');
    writeFileSync(join(tmp, 'namespaces', 'a', '20-secrets.yaml'), 'half');
    // What a kill during the swap leaves: the previous plan.
    const old = join(d, `.plan.old-${dead}`);
    mkdirSync(join(old, 'cluster'), { recursive: true });
    writeFileSync(join(old, PLAN_MARKER), 'planId: y\n');
    writeFileSync(join(old, 'cluster', '00-namespaces.yaml'), 'old');
    // Look-alikes that are not ours, and a live process's staging directory: kept.
    const foreign = join(d, `.plan.tmp-${dead + 1}`);
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'thesis.tex'), 'mine');
    const live = join(d, `.plan.tmp-${process.ppid}`);
    mkdirSync(live);
    expect((await run(['plan', '-i', EXAMPLE, '--out', out])).code).toBe(0);
    expect(readdirSync(d).sort()).toEqual([`.plan.tmp-${dead + 1}`, `.plan.tmp-${process.ppid}`, 'plan'].sort());
  });
});
