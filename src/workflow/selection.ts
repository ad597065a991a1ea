// Which servers a workflow command works on: one implementation and one meaning for backup, import,
// cutover and status (docs/workflow.md, "Choosing servers"). Pure.
//
//   NAME...            servers by name, id or VM name (also NAMESPACE/VM); an unknown name is an error,
//                      a name that matches several servers is an error naming their ids.
//   --all              every server of the plan.
//   --project P        servers of project P (name or id; repeatable: any of them).
//   -l SELECTOR        servers whose selection labels match (kubectl's syntax: k=v, k==v, k!=v, k, !k,
//                      k in (a,b), k notin (a,b); comma = and).
//
// Like kubectl (`kubectl get NAME -l ...` and `kubectl delete --all -l ...` are errors), names are not
// combined with --all, --project or -l, and --all is not combined with --project or -l; --project and -l
// together mean both (and).
//
// The selection labels of a server are its Nova metadata (key=value, as in the inventory) overlaid with the
// labels of its planned VirtualMachine (openstack-migrate.io/server-id, .../project-id, .../plan-id,
// security-group labels, ...). So `-l role=web` picks the servers whose Nova metadata says role=web, in
// every command; status reads the same labels from the state ConfigMaps, where the workflow records them.
import { MigrateError } from '../errors.js';

export interface SelectionFlags {
  names?: string[];
  all?: boolean;
  projects?: string[];
  selector?: string;
}

/** What selection knows of one server. */
export interface SelectionCandidate {
  serverId: string;
  serverName: string;
  namespace: string;
  vmName: string;
  projectId?: string;
  projectName?: string;
  labels: Record<string, string>;
}

export type Requirement = { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!exists' };

const KEY = /^([A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Parses a label selector as kubectl does (labels.Parse); a malformed one is a usage error. */
export function parseSelector(text: string): Requirement[] {
  const bad = (why: string) => new MigrateError('usage', `-l ${JSON.stringify(text)}: ${why}`);
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (depth < 0) throw bad('unbalanced parentheses');
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  if (depth !== 0) throw bad('unbalanced parentheses');
  terms.push(current);
  const out: Requirement[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    if (!term) {
      if (terms.length === 1) continue;
      throw bad('empty term');
    }
    const key = (k: string) => {
      const t = k.trim();
      if (!KEY.test(t)) throw bad(`"${t}" is not a valid label key`);
      return t;
    };
    let m = /^(.+?)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (m) {
      out.push({ key: key(m[1]!), op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) });
      continue;
    }
    m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    if (m) {
      out.push({ key: key(m[1]!), op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!.trim()] });
      continue;
    }
    if (term.startsWith('!')) out.push({ key: key(term.slice(1)), op: '!exists' });
    else out.push({ key: key(term), op: 'exists' });
  }
  return out;
}

export function matchesRequirements(labels: Record<string, string>, requirements: Requirement[]): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key]!);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]!);
      default:
        return false;
    }
  });
}

/** The labels -l matches: the server's Nova metadata, overlaid with its planned VM's labels. */
export function selectionLabels(novaMetadata: Record<string, unknown> | undefined, vmLabels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(novaMetadata ?? {})) out[k] = String(v);
  return { ...out, ...(vmLabels ?? {}) };
}

/** Flags that cannot go together, and the missing choice, as usage errors (exit 2). */
export function checkSelectionFlags(flags: SelectionFlags, options: { required: boolean }): void {
  const names = flags.names?.length ?? 0;
  const groups = [flags.all ? '--all' : '', flags.projects?.length ? '--project' : '', flags.selector ? '-l' : ''].filter(Boolean);
  if (names > 0 && groups.length > 0)
    throw new MigrateError('usage', `server names cannot be combined with ${groups.join(', ')} (as in kubectl): name the servers, or select them`);
  if (flags.all && groups.length > 1) throw new MigrateError('usage', `--all cannot be combined with ${groups.filter((g) => g !== '--all').join(', ')}`);
  if (options.required && names === 0 && groups.length === 0)
    throw new MigrateError('usage', 'no server selected: name servers, or use --all, --project or -l');
  if (flags.selector) parseSelector(flags.selector);
}

/**
 * The selected candidates, in candidate order. Unknown names and projects are NotFound errors (exit 1);
 * no flag at all selects everything (status; the commands that change things require a choice first).
 */
export function selectCandidates<C extends SelectionCandidate>(candidates: readonly C[], flags: SelectionFlags): C[] {
  checkSelectionFlags(flags, { required: false });
  if (flags.names?.length) {
    const chosen = new Set<C>();
    const missing: string[] = [];
    for (const name of flags.names) {
      const found = candidates.filter((c) => c.serverId === name || c.serverName === name || c.vmName === name || `${c.namespace}/${c.vmName}` === name);
      if (found.length === 0) missing.push(name);
      else if (new Set(found.map((c) => c.serverId)).size > 1) {
        throw new MigrateError(
          'invalid-input',
          `"${name}" names ${found.length} servers (${found.map((c) => `${c.serverId} in ${c.namespace}`).join(', ')}): give the server id or NAMESPACE/VM`,
        );
      }
      for (const c of found) chosen.add(c);
    }
    if (missing.length) throw new MigrateError('invalid-input', `NotFound: no server ${missing.map((m) => JSON.stringify(m)).join(', ')} in the plan`);
    return candidates.filter((c) => chosen.has(c));
  }
  const requirements = flags.selector ? parseSelector(flags.selector) : [];
  let projectIds: Set<string> | undefined;
  if (flags.projects?.length) {
    projectIds = new Set();
    const missing: string[] = [];
    for (const p of flags.projects) {
      const ids = candidates.filter((c) => c.projectId === p || c.projectName === p).map((c) => c.projectId ?? '');
      if (ids.length === 0) missing.push(p);
      for (const id of ids) projectIds.add(id);
    }
    if (missing.length)
      throw new MigrateError('invalid-input', `NotFound: no project ${missing.map((m) => JSON.stringify(m)).join(', ')} with servers in the plan`);
  }
  return candidates.filter((c) => (!projectIds || projectIds.has(c.projectId ?? '')) && matchesRequirements(c.labels, requirements));
}
