// Where the connection settings come from, resolved the way the OpenStack CLI (python-openstackclient on
// openstacksdk's config loader) resolves them:
//   1. clouds.yaml: the first file found of $OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml,
//      /etc/openstack/clouds.yaml (also .yml/.json); secure.yaml is found the same way ($OS_CLIENT_SECURE_FILE) and
//      deep-merged over it, so passwords can live apart from the rest;
//   2. the OS_* environment variables, which override the file (the CLI uses them as the defaults of its
//      --os-* options, and those options override clouds.yaml);
//   3. the --os-* flags, which override everything.
// Without a cloud name (--os-cloud / OS_CLOUD) the environment alone defines the cloud ("envvars").
// Reading files is the only I/O here; the resolved config holds secrets and must never be printed whole.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { OpenStackError } from './errors.js';

export type AuthType = 'password' | 'applicationcredential' | 'token';
export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CloudAuth {
  authUrl: string;
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  /** Domain scope (when no project is given). */
  domainName?: string;
  domainId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  token?: string;
}

export interface CloudConfig {
  /** The clouds.yaml entry, or "envvars" when only the environment defined the cloud. */
  name: string;
  authType: AuthType;
  auth: CloudAuth;
  regionName?: string;
  interface: EndpointInterface;
  /** false only with verify: false / insecure: true / OS_INSECURE / --insecure. */
  verify: boolean;
  /** Path of a PEM bundle that signs the cloud's certificates. */
  cacert?: string;
  /** Endpoint overrides by service type (compute, image, network, volumev3/block-storage, identity). */
  endpointOverrides: Record<string, string>;
  /** Files the settings came from (for messages). */
  files: string[];
}

/** Settings given as OS_* names: the environment, or the CLI flags mapped to the same names. */
export type OsSettings = Record<string, string | undefined>;

export interface ConfigInput {
  /** --os-cloud; OS_CLOUD from env is used when absent. */
  cloud?: string;
  env?: OsSettings;
  /** The --os-* flags, keyed by their OS_* variable name (OS_AUTH_URL, ...); they win over env and files. */
  flags?: OsSettings;
  /** --insecure */
  insecure?: boolean;
  cwd?: string;
  home?: string;
  /** Replaces /etc/openstack in the search path (tests). */
  etcDir?: string;
}

// OS_* variable → clouds.yaml key ("auth." = inside the auth section). Aliases the CLI also accepts come after.
const ENV_KEYS: [string, string][] = [
  ['OS_AUTH_URL', 'auth.auth_url'],
  ['OS_USERNAME', 'auth.username'],
  ['OS_USER_ID', 'auth.user_id'],
  ['OS_PASSWORD', 'auth.password'],
  ['OS_PROJECT_NAME', 'auth.project_name'],
  ['OS_TENANT_NAME', 'auth.project_name'],
  ['OS_PROJECT_ID', 'auth.project_id'],
  ['OS_TENANT_ID', 'auth.project_id'],
  ['OS_USER_DOMAIN_NAME', 'auth.user_domain_name'],
  ['OS_USER_DOMAIN_ID', 'auth.user_domain_id'],
  ['OS_PROJECT_DOMAIN_NAME', 'auth.project_domain_name'],
  ['OS_PROJECT_DOMAIN_ID', 'auth.project_domain_id'],
  ['OS_DOMAIN_NAME', 'auth.domain_name'],
  ['OS_DOMAIN_ID', 'auth.domain_id'],
  ['OS_APPLICATION_CREDENTIAL_ID', 'auth.application_credential_id'],
  ['OS_APPLICATION_CREDENTIAL_NAME', 'auth.application_credential_name'],
  ['OS_APPLICATION_CREDENTIAL_SECRET', 'auth.application_credential_secret'],
  ['OS_TOKEN', 'auth.token'],
  ['OS_AUTH_TYPE', 'auth_type'],
  ['OS_REGION_NAME', 'region_name'],
  ['OS_INTERFACE', 'interface'],
  ['OS_ENDPOINT_TYPE', 'interface'],
  ['OS_CACERT', 'cacert'],
  ['OS_INSECURE', 'insecure'],
  ['OS_DEFAULT_DOMAIN', 'default_domain'],
];

/** Service types whose <type>_endpoint_override (clouds.yaml) / OS_<TYPE>_ENDPOINT_OVERRIDE (env) is honoured. */
export const OVERRIDABLE_SERVICES = ['identity', 'compute', 'image', 'network', 'volumev3', 'block-storage', 'block_storage'];

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isDict(v) && isDict(out[k]) ? deepMerge(out[k] as Dict, v) : v;
  return out;
}

function setPath(target: Dict, path: string, value: unknown): void {
  const [head = '', tail] = path.split(/\.(.*)/s, 2);
  if (tail === undefined || tail === '') {
    target[head] = value;
    return;
  }
  if (!isDict(target[head])) target[head] = {};
  setPath(target[head] as Dict, tail, value);
}

/** The OS_* settings as a clouds.yaml cloud entry. Empty strings count as unset, as in the CLI. */
function settingsAsCloud(settings: OsSettings | undefined): Dict {
  const cloud: Dict = {};
  if (!settings) return cloud;
  for (const [name, key] of ENV_KEYS) {
    const value = settings[name];
    if (value !== undefined && value !== '' && getPath(cloud, key) === undefined) setPath(cloud, key, value);
  }
  for (const service of OVERRIDABLE_SERVICES) {
    const value = settings[`OS_${service.toUpperCase().replace(/-/g, '_')}_ENDPOINT_OVERRIDE`];
    if (value) cloud[`${service}_endpoint_override`] = value;
  }
  return cloud;
}

function getPath(obj: Dict, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isDict(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function searchPath(kind: 'clouds' | 'secure', input: ConfigInput, env: OsSettings): string[] {
  const explicit = kind === 'clouds' ? env.OS_CLIENT_CONFIG_FILE : env.OS_CLIENT_SECURE_FILE;
  const dirs = [input.cwd ?? process.cwd(), join(input.home ?? homedir(), '.config', 'openstack'), input.etcDir ?? '/etc/openstack'];
  const files = dirs.flatMap((d) => ['yaml', 'yml', 'json'].map((ext) => join(d, `${kind}.${ext}`)));
  return explicit ? [resolve(explicit), ...files] : files;
}

function readCloudsFile(file: string, kind: 'clouds' | 'secure'): Dict {
  let parsed: unknown;
  try {
    parsed = yaml.load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    const reason = err instanceof yaml.YAMLException ? err.reason : (err as Error).message;
    const line = err instanceof yaml.YAMLException && err.mark ? ` at line ${err.mark.line + 1}` : '';
    throw new OpenStackError(
      'config',
      `${file} is not valid YAML (${reason}${line}); fix it or point ${kind === 'clouds' ? 'OS_CLIENT_CONFIG_FILE' : 'OS_CLIENT_SECURE_FILE'} at another file`,
      { where: file },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isDict(parsed) || (parsed.clouds !== undefined && !isDict(parsed.clouds))) {
    throw new OpenStackError('config', `${file} has no "clouds:" mapping; it must look like "clouds: {<name>: {auth: {...}}}"`, { where: file });
  }
  return (parsed.clouds as Dict | undefined) ?? {};
}

function firstExisting(files: string[]): string | undefined {
  return files.find((f) => existsSync(f));
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v));
}

function falsy(v: unknown): boolean {
  return v === false || (typeof v === 'string' && /^(0|false|no|off)$/i.test(v));
}

/** Keystone's v3 API root: clouds.yaml often names the unversioned endpoint (".../identity" or ":5000"). */
export function identityV3Url(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

function normalizeAuthType(raw: string | undefined, auth: CloudAuth, where: string): AuthType {
  if (raw) {
    const t = raw.toLowerCase();
    if (t === 'password' || t === 'v3password') return 'password';
    if (t === 'v3applicationcredential' || t === 'applicationcredential' || t === 'v3oidcapplicationcredential') return 'applicationcredential';
    if (t === 'token' || t === 'v3token' || t === 'admin_token') return 'token';
    throw new OpenStackError('config', `${where}: auth_type "${raw}" is not supported; use password, v3applicationcredential or token`);
  }
  if (auth.applicationCredentialId || auth.applicationCredentialName) return 'applicationcredential';
  if (auth.token && !auth.password) return 'token';
  return 'password';
}

/** Resolves the cloud to connect to. Throws OpenStackError('config' | 'unknown-cloud') with a one-line message. */
export function loadCloudConfig(input: ConfigInput = {}): CloudConfig {
  const env = input.env ?? process.env;
  const cloudName = input.cloud ?? str(input.flags?.OS_CLOUD) ?? str(env.OS_CLOUD);
  const files: string[] = [];
  let base: Dict = {};
  if (cloudName) {
    const cloudsFile = firstExisting(searchPath('clouds', input, env));
    const secureFile = firstExisting(searchPath('secure', input, env));
    const clouds = cloudsFile ? readCloudsFile(cloudsFile, 'clouds') : {};
    const secure = secureFile ? readCloudsFile(secureFile, 'secure') : {};
    if (cloudsFile) files.push(cloudsFile);
    if (secureFile) files.push(secureFile);
    const entry = clouds[cloudName];
    const secureEntry = secure[cloudName];
    if (entry === undefined && secureEntry === undefined) {
      const where = cloudsFile ?? 'no clouds.yaml found (searched OS_CLIENT_CONFIG_FILE, ., ~/.config/openstack, /etc/openstack)';
      const known = Object.keys(clouds);
      throw new OpenStackError(
        'unknown-cloud',
        `cloud "${cloudName}" is not defined in ${where}${known.length ? ` (defined: ${known.join(', ')})` : ''}; pass --os-cloud with one of those or add the cloud to clouds.yaml`,
      );
    }
    if ((entry !== undefined && !isDict(entry)) || (secureEntry !== undefined && !isDict(secureEntry))) {
      throw new OpenStackError('config', `cloud "${cloudName}" in ${files.join(' + ')} is not a mapping; it must hold auth: {auth_url: ..., ...}`);
    }
    base = deepMerge((entry as Dict) ?? {}, (secureEntry as Dict) ?? {});
  }
  const merged = deepMerge(deepMerge(base, settingsAsCloud(env)), settingsAsCloud(input.flags));
  const where = cloudName ? `cloud "${cloudName}"` : 'the OS_* environment';
  if (!cloudName && !getPath(merged, 'auth.auth_url')) {
    throw new OpenStackError(
      'config',
      'no cloud selected: pass --os-cloud NAME (or set OS_CLOUD) to use clouds.yaml, or set OS_AUTH_URL and credentials in the environment',
    );
  }
  const a = isDict(merged.auth) ? merged.auth : {};
  const auth: CloudAuth = {
    authUrl: str(a.auth_url) ?? '',
    username: str(a.username),
    userId: str(a.user_id),
    password: str(a.password),
    userDomainName: str(a.user_domain_name),
    userDomainId: str(a.user_domain_id),
    projectName: str(a.project_name) ?? str(a.tenant_name),
    projectId: str(a.project_id) ?? str(a.tenant_id),
    projectDomainName: str(a.project_domain_name),
    projectDomainId: str(a.project_domain_id),
    domainName: str(a.domain_name),
    domainId: str(a.domain_id),
    applicationCredentialId: str(a.application_credential_id),
    applicationCredentialName: str(a.application_credential_name),
    applicationCredentialSecret: str(a.application_credential_secret),
    token: str(a.token),
  };
  // default_domain fills the user and project domain when neither a name nor an id is given (openstacksdk does the same).
  const defaultDomain = str(merged.default_domain) ?? str(a.default_domain);
  if (defaultDomain) {
    if (!auth.userDomainName && !auth.userDomainId) auth.userDomainId = defaultDomain;
    if (!auth.projectDomainName && !auth.projectDomainId) auth.projectDomainId = defaultDomain;
  }
  if (!auth.authUrl) throw new OpenStackError('config', `${where} has no auth_url; set auth.auth_url in clouds.yaml, OS_AUTH_URL or --os-auth-url`);
  try {
    new URL(auth.authUrl);
  } catch {
    throw new OpenStackError('config', `${where}: auth_url "${auth.authUrl}" is not a URL; it must look like https://keystone.example.com:5000/v3`);
  }
  const authType = normalizeAuthType(str(merged.auth_type), auth, where);
  if (authType === 'password' && !auth.username && !auth.userId) {
    throw new OpenStackError('config', `${where} has no username; set auth.username (clouds.yaml), OS_USERNAME or --os-username`);
  }
  if (authType === 'password' && !auth.password) {
    throw new OpenStackError('config', `${where} has no password; set it in secure.yaml or clouds.yaml (auth.password), OS_PASSWORD or --os-password`);
  }
  if (authType === 'applicationcredential' && !auth.applicationCredentialSecret) {
    throw new OpenStackError(
      'config',
      `${where} has no application credential secret; set auth.application_credential_secret or OS_APPLICATION_CREDENTIAL_SECRET`,
    );
  }
  if (authType === 'token' && !auth.token) throw new OpenStackError('config', `${where} has no token; set auth.token or OS_TOKEN`);

  const regions = Array.isArray(merged.regions) ? merged.regions : [];
  const firstRegion = regions.length ? (typeof regions[0] === 'string' ? regions[0] : str((regions[0] as Dict)?.name)) : undefined;
  const iface = (str(merged.interface) ?? 'public').replace(/URL$/, '').toLowerCase();
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin') {
    throw new OpenStackError('config', `${where}: interface "${iface}" is not one of public, internal, admin`);
  }
  const endpointOverrides: Record<string, string> = {};
  for (const service of OVERRIDABLE_SERVICES) {
    const value = str(merged[`${service}_endpoint_override`]) ?? str(merged[`${service}_endpoint`]);
    if (value) endpointOverrides[service.replace('_', '-')] = value;
  }
  const verify = !(input.insecure || truthy(merged.insecure) || falsy(merged.verify));
  return {
    name: cloudName ?? str(env.OS_CLOUD_NAME) ?? 'envvars',
    authType,
    auth,
    regionName: str(merged.region_name) ?? firstRegion,
    interface: iface,
    verify,
    cacert: str(merged.cacert) ?? (typeof merged.verify === 'string' && !falsy(merged.verify) && !truthy(merged.verify) ? merged.verify : undefined),
    endpointOverrides,
    files,
  };
}
