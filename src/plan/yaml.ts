// A YAML writer for Kubernetes manifests: plain JSON data (maps, lists, strings, numbers, booleans,
// null) to block-style YAML. js-yaml's dump is general (anchors, styles, folding) and spent most of a
// 10,000-server plan's time; manifests need none of that, so this writer is about ten times faster.
// It quotes conservatively: a string is written plain only when no YAML 1.1 or 1.2 parser (js-yaml,
// go-yaml as used by kubectl) can read it as anything but that string; everything else is a JSON
// double-quoted string, which is also valid YAML, with the characters YAML may not carry raw escaped
// (see quoted). Round-trip tests check it against js-yaml's reader, and a property-based test against
// the reader kubectl uses, Go's sigs.k8s.io/yaml (test/unit/plan/yaml-go.test.ts).

// A plain scalar is /^[A-Za-z_/][A-Za-z0-9_./@-]*( [A-Za-z0-9_./@-]+)*$/ (see isPlain).
// YAML 1.1 booleans and nulls (go-yaml reads "yes"/"on" as true), which must stay strings.
const RESERVED = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

function scalarString(s: string): string {
  if (isPlain(s) && !(s.length <= 5 && RESERVED.test(s))) return s;
  return quoted(s);
}

// YAML allows only printable characters in a file, even inside double quotes (go-yaml: "control
// characters are not allowed"): JSON.stringify escapes C0 controls, but leaves DEL, the C1 controls
// (U+0085 raw is a line break that a double-quoted scalar folds into a space), U+FFFE/U+FFFF and the
// BOM raw, and U+2028/U+2029, which go-yaml takes for line breaks (a key holding one breaks the
// document). Those are escaped as \uXXXX, which YAML reads back as the same character.
const UNPRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Nothing in it needs an escape: printable ASCII without `"` and `\`. Most quoted values are such (IP
 * addresses, CIDRs, quantities like 20Gi, ids starting with a digit, base64 data): for them the quotes
 * are added directly, as JSON.stringify would.
 */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\uffff]/;

/** A JSON double-quoted string that every YAML reader reads back as `s`. */
function quoted(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  // A lone surrogate cannot be written in UTF-8 (every encoder writes U+FFFD for it), and its \ud800
  // escape is an error in go-yaml: it is written as the U+FFFD the file would hold anyway.
  if (SURROGATE.test(s)) s = s.replace(LONE_SURROGATE, '\ufffd');
  const json = JSON.stringify(s);
  UNPRINTABLE.lastIndex = 0;
  return UNPRINTABLE.test(json) ? json.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

// PLAIN, by hand: this test runs for every key and string of a plan (millions for a large cloud).
function isWordChar(c: number): boolean {
  // [A-Za-z0-9_./@-]
  return (c >= 97 && c <= 122) || (c >= 64 && c <= 90) || (c >= 45 && c <= 57) || c === 95;
}
function isPlain(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90) || c0 === 95 || c0 === 47)) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isWordChar(c)) continue;
    // a single space between words
    if (c === 32 && i + 1 < n && isWordChar(s.charCodeAt(i + 1))) continue;
    return false;
  }
  return true;
}

/** Keys repeat across objects (labels, annotations, field names): each is checked once. */
const keyCache = new Map<string, string>();
function keyString(key: string): string {
  let k = keyCache.get(key);
  if (k === undefined) {
    k = scalarString(key);
    if (keyCache.size < 100_000) keyCache.set(key, k);
  }
  return k;
}

const indents: string[] = [''];
function indentOf(depth: number): string {
  while (indents.length <= depth) indents.push(`${indents[indents.length - 1]}  `);
  return indents[depth]!; // the loop above filled indents up to depth
}

/** A multi-line string as a literal block, when that is exact; undefined when it must be quoted. */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || /[\r\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]/.test(s)) return undefined;
  // A first line starting with a space would need an explicit indentation indicator; with a tab,
  // go-yaml reads the tab as indentation and fails ("found a tab character where an indentation space is expected").
  if (/^[ \t\n]/.test(s)) return undefined;
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? s : s.slice(0, s.length - (chomp === '' ? 1 : 0));
  const lines = body.split('\n').map((line) => (line === '' ? '' : `${indent}${line}`));
  if (chomp === '+') lines.pop(); // the final newline is the block's own
  // Keep trailing blanks exact: go-yaml reads a line of only blanks in a block as an empty line.
  if (lines.some((line) => /[ \t]$/.test(line))) return undefined;
  return `|${chomp}\n${lines.join('\n')}`;
}

const hasOwn = Object.prototype.hasOwnProperty;

function scalar(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    // Most values are plain, and a plain string has no line break: one scan instead of two for them.
    if (isPlain(value)) return value.length <= 5 && RESERVED.test(value) ? quoted(value) : value;
    return (value.includes('\n') ? literalBlock(value, indentOf(depth)) : undefined) ?? quoted(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} in a manifest`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return '[]';
  return '{}';
}

// Each writer pushes its lines, every one ending in a newline, onto `out`; one join at the end copies
// them once (building the text by concatenation made V8 flatten deep string trees, which cost more).
/**
 * The text before a key's value, per depth and key: [indent + key + ": ", indent + key + ":\n", and the
 * same after a sequence dash]. Manifests repeat the same keys at the same depths, so each is made once.
 */
const linePrefixes: Map<string, string[]>[] = [];
function prefixesOf(depth: number, key: string): string[] {
  let byKey = linePrefixes[depth];
  if (!byKey) linePrefixes[depth] = byKey = new Map();
  let prefixes = byKey.get(key);
  if (prefixes === undefined) {
    const k = keyString(key);
    const indent = indentOf(depth);
    const dash = depth > 0 ? `${indentOf(depth - 1)}- ` : '- ';
    prefixes = [`${indent}${k}: `, `${indent}${k}:\n`, `${dash}${k}: `, `${dash}${k}:\n`];
    if (byKey.size < 100_000) byKey.set(key, prefixes);
  }
  return prefixes;
}

/** As JSON.stringify: an object with toJSON (a Date) is written as what toJSON returns, not as {}. */
function jsonValue(value: unknown): unknown {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ? (value as { toJSON(): unknown }).toJSON()
    : value;
}

/**
 * A mapping at `depth`; `dashed`: it is an item of a sequence, so its first key follows the dash. Returns
 * whether it wrote any key: one with no key but undefined ones is `{}`, as JSON.stringify writes it. A
 * nested mapping is written without first walking its keys to see whether it is empty.
 */
function mapping(map: Record<string, unknown>, depth: number, out: string[], dashed = false): boolean {
  let first = true;
  for (const key in map) {
    if (!hasOwn.call(map, key)) continue;
    const value = jsonValue(map[key]);
    if (value === undefined) continue;
    const prefixes = prefixesOf(depth, key);
    const at = first && dashed ? 2 : 0;
    first = false;
    // prefixesOf gives four prefixes and at is 0 or 2, so at + 1 is in range.
    if (typeof value !== 'object' || value === null) out.push(`${prefixes[at]}${scalar(value, depth + 1)}\n`);
    else if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${prefixes[at]}[]\n`);
      else {
        out.push(prefixes[at + 1]!);
        sequence(value, depth + 1, out);
      }
    } else {
      const start = out.length;
      out.push(prefixes[at + 1]!);
      // Nothing written: `{}` on the key's line instead.
      if (!mapping(value as Record<string, unknown>, depth + 1, out)) {
        out.length = start;
        out.push(`${prefixes[at]}{}\n`);
      }
    }
  }
  if (first && dashed) out.push(`${indentOf(depth - 1)}- {}\n`);
  return !first;
}

function sequence(list: unknown[], depth: number, out: string[]): void {
  const indent = indentOf(depth);
  for (const raw of list) {
    const item = jsonValue(raw);
    if (typeof item !== 'object' || item === null) out.push(`${indent}- ${scalar(item, depth + 1)}\n`);
    else if (Array.isArray(item)) {
      if (item.length === 0) out.push(`${indent}- []\n`);
      else {
        out.push(`${indent}-\n`);
        sequence(item, depth + 1, out);
      }
    } else mapping(item as Record<string, unknown>, depth + 1, out, true); // writes `- {}` for an empty one
  }
}

/** Push the lines of one YAML document (without the leading ---) for a JSON-like value onto `out`. */
export function pushYaml(input: unknown, out: string[]): void {
  const value = jsonValue(input);
  if (typeof value !== 'object' || value === null || (Array.isArray(value) && value.length === 0)) out.push(`${scalar(value, 0)}\n`);
  else if (Array.isArray(value)) sequence(value, 0, out);
  else if (!mapping(value as Record<string, unknown>, 0, out)) out.push('{}\n');
}

/** One YAML document (without the leading ---) for a JSON-like value. */
export function toYaml(value: unknown): string {
  const out: string[] = [];
  pushYaml(value, out);
  return out.join('');
}
