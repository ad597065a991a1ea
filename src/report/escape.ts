// Text from the cloud (names, descriptions, server error messages) shown to a human, on a terminal or in a
// log: control characters are escaped, so that a name cannot forge a table row (`web\nkind: Secret`), move
// the cursor or change colours (ESC sequences), ring the bell, hide in a NUL, or reverse the text around it
// (U+202E and the other bidirectional controls). Printable text, accents and non-Latin scripts are kept.

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi marks/embeddings/isolates, zero-width
// joiners' odd cousins (U+200B-U+200F, U+2060-U+2064, U+FEFF), noncharacters U+FFFE/U+FFFF, lone surrogates.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  if (NAMED[ch]) return NAMED[ch];
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Every character UNSAFE can match, surrogates included, as one character class: a report line is tested
 * first with this, which is several times faster than UNSAFE's lookarounds (a large cloud's report
 * escapes about a million texts, nearly all plain).
 */
const MAYBE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ud800-\udfff\ufeff\ufffe\uffff]/;

/** `text` with every control character written as a visible escape (\n, \x1b, \u202e). */
export function escapeControl(text: string): string {
  if (!MAYBE_UNSAFE.test(text)) return text;
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  UNSAFE.lastIndex = 0;
  // Backslashes are left alone: human output only needs to be safe, and C:\path should read as it is.
  return text.replace(UNSAFE, escapeOne);
}

/** Like escapeControl, but keeps line breaks: for multi-line messages whose lines we made ourselves. */
export function escapeControlKeepLines(text: string): string {
  // Tabs stay too: cobra's "Did you mean this?\n\tplan" indents with one, and a tab cannot forge a line.
  return text
    .split('\n')
    .map((line) => line.split('\t').map(escapeControl).join('\t'))
    .join('\n');
}
