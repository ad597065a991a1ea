// A YAML writer for Kubernetes manifests: plain JSON data (maps, lists, strings, numbers, booleans,
// null) to block-style YAML. js-yaml's dump is general (anchors, styles, folding) and spent most of a
// 10,000-server plan's time; manifests need none of that, so this writer is about ten times faster.
// It quotes conservatively: a string is written plain only when no YAML 1.1 or 1.2 parser (js-yaml,
// go-yaml as used by kubectl) can read it as anything but that string; everything else is a JSON
// double-quoted string, which is also valid YAML. Round-trip tests check it against js-yaml's reader.

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@-]*( [A-Za-z0-9_./@-]+)*$/;
// YAML 1.1 booleans and nulls (go-yaml reads "yes"/"on" as true), which must stay strings.
const RESERVED = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

function scalarString(s: string): string {
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  return JSON.stringify(s);
}

/** A multi-line string as a literal block, when that is exact; undefined when it must be quoted. */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || /[\r\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(s)) return undefined;
  if (/^[ \n]/.test(s)) return undefined; // would need an explicit indentation indicator
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? s : s.slice(0, s.length - (chomp === '' ? 1 : 0));
  const lines = body.split('\n').map((line) => (line === '' ? '' : `${indent}${line}`));
  if (chomp === '+') lines.pop(); // the final newline is the block's own
  if (lines.some((line) => /[ \t]$/.test(line) && line.trim() !== '')) return undefined; // keep trailing blanks exact
  return `|${chomp}\n${lines.join('\n')}`;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object' || (Array.isArray(value) ? value.length === 0 : Object.keys(value as object).length === 0);
}

function scalar(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return literalBlock(value, indent) ?? scalarString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} in a manifest`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return '[]';
  return '{}';
}

function writeMapping(map: Record<string, unknown>, indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (value === undefined) continue;
    const lead = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    const k = scalarString(key);
    if (isScalar(value)) out.push(`${lead}${k}: ${scalar(value, `${indent}  `)}`);
    else if (Array.isArray(value)) {
      out.push(`${lead}${k}:`);
      writeSequence(value, `${indent}  `, out);
    } else {
      out.push(`${lead}${k}:`);
      writeMapping(value as Record<string, unknown>, `${indent}  `, out);
    }
  }
  if (first && firstPrefix !== undefined) out.push(`${firstPrefix}{}`);
}

function writeSequence(list: unknown[], indent: string, out: string[]): void {
  for (const item of list) {
    if (isScalar(item)) out.push(`${indent}- ${scalar(item, `${indent}  `)}`);
    else if (Array.isArray(item)) {
      out.push(`${indent}-`);
      writeSequence(item, `${indent}  `, out);
    } else writeMapping(item as Record<string, unknown>, `${indent}  `, out, `${indent}- `);
  }
}

/** One YAML document (without the leading ---) for a JSON-like value. */
export function toYaml(value: unknown): string {
  if (isScalar(value)) return `${scalar(value, '')}\n`;
  const out: string[] = [];
  if (Array.isArray(value)) writeSequence(value, '', out);
  else writeMapping(value as Record<string, unknown>, '', out);
  return `${out.join('\n')}\n`;
}
