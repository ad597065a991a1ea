// The shape of every OpenStack response the inventory uses, checked before it is used: a service that
// answers 200 with HTML, binary garbage, truncated JSON or the wrong types (`{"token":42}`) is an error
// that names the service and the URL, never an inventory with 0 servers.
// Only the fields the mapping reads are required, with the types of the recorded Zed responses
// (../shared/fixtures/openstack-zed, src/openstack/api-types.ts); any other field may be anything.
import { Ajv, type ValidateFunction } from 'ajv';
import { OpenStackError } from './errors.js';

type Schema = Record<string, unknown>;
const str = { type: 'string' };
const strOrNull = { type: ['string', 'null'] };
const num = { type: 'number' };
const obj = (required: Record<string, unknown>, extra: Record<string, unknown> = {}): Schema => ({
  type: 'object',
  required: Object.keys(required),
  properties: { ...required, ...extra },
});
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const idRef = obj({ id: str });

/** Items of each list, by the key the services list them under. */
const ITEMS: Record<string, Schema> = {
  domains: obj({ id: str, name: str }),
  projects: obj({ id: str, name: str, domain_id: str }),
  users: obj({ id: str, name: str }, { domain_id: str }),
  groups: obj({ id: str, name: str }, { domain_id: str }),
  roles: obj({ id: str, name: str }),
  role_assignments: obj({ role: idRef, scope: { type: 'object' } }, { user: idRef, group: idRef }),
  servers: obj(
    { id: str, name: str, status: str, flavor: { type: 'object' } },
    {
      tenant_id: str,
      metadata: stringMap,
      addresses: { type: 'object', additionalProperties: { type: 'array', items: obj({ addr: str }) } },
      image: { type: ['string', 'object'] },
    },
  ),
  flavors: obj({ id: str, name: str, vcpus: num, ram: num, disk: num }, { extra_specs: stringMap }),
  keypairs: obj({ keypair: obj({ name: str, public_key: str }) }),
  server_groups: obj({ id: str, name: str, members: { type: 'array', items: str } }),
  images: obj({ id: str }, { name: strOrNull }),
  networks: obj({ id: str }, { name: str }),
  subnets: obj({ id: str, network_id: str, cidr: str, ip_version: num }),
  ports: obj({ id: str, network_id: str, mac_address: str, fixed_ips: { type: 'array', items: obj({ ip_address: str }) } }),
  security_groups: obj({ id: str, name: str }, { security_group_rules: { type: 'array', items: obj({ id: str, direction: str, ethertype: str }) } }),
  floatingips: obj({ id: str, floating_ip_address: str }),
  volume_types: obj({ id: str, name: str }),
  volumes: obj({ id: str, size: num }, { name: strOrNull, attachments: { type: 'array', items: obj({ server_id: str }) } }),
};

/** Single objects read outside lists: a response body of this shape. */
const BODIES = {
  token: obj({
    token: obj(
      { user: obj({ id: str }), expires_at: str },
      {
        catalog: { type: 'array', items: obj({ type: str, endpoints: { type: 'array', items: obj({ url: str, interface: str }) } }) },
        roles: { type: 'array', items: obj({ id: str, name: str }) },
      },
    ),
  }),
  extra_specs: obj({ extra_specs: stringMap }),
  flavor_access: obj({ flavor_access: { type: 'array', items: obj({ flavor_id: str, tenant_id: str }) } }),
} satisfies Record<string, Schema>;

const ajv = new Ajv({ allErrors: false, strict: false, allowUnionTypes: true });
const compiled = new Map<string, ValidateFunction>();
function validator(kind: string, schema: Schema): ValidateFunction {
  let v = compiled.get(kind);
  if (!v) compiled.set(kind, (v = ajv.compile(schema)));
  return v;
}

/** Where a validation error is, as a readable path: servers[3].flavor */
function where(key: string, instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`), key);
}

function malformed(label: string, what: string): OpenStackError {
  return new OpenStackError(
    'api',
    `${label}: the response is not what this service returns (${what}); is the URL an OpenStack endpoint (a proxy or login page in the way)?`,
  );
}

/** Throws unless `batch` (what a page listed under `key`) is an array of items of that collection's shape. */
export function checkListPage(key: string, body: Record<string, unknown>, label: string): unknown[] {
  const batch = body[key];
  if (!Array.isArray(batch)) {
    throw malformed(label, batch === undefined ? `no "${key}" list in the JSON body` : `"${key}" is ${typeOf(batch)}, not a list`);
  }
  const schema = ITEMS[key];
  if (schema) {
    const validate = validator(`list:${key}`, { type: 'array', items: schema });
    if (!validate(batch)) {
      const e = validate.errors![0]!; // ajv lists at least one error when validation fails
      throw malformed(label, `${where(key, e.instancePath)} ${e.message}`);
    }
  }
  return batch;
}

/** Throws unless `body` has the shape of the named single response (token, extra_specs, flavor_access). */
export function checkBody<T>(kind: keyof typeof BODIES, body: unknown, label: string): T {
  const validate = validator(`body:${kind}`, BODIES[kind]);
  if (!validate(body)) {
    const e = validate.errors![0]!; // as above
    throw malformed(label, `${where('body', e.instancePath)} ${e.message}`);
  }
  return body as T;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
