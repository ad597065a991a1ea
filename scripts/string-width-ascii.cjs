// Bundle-only stand-in for `string-width` (scripts/package.sh aliases it with esbuild).
// yargs and cliui measure every help cell with string-width, whose module set-up (Intl.Segmenter, Unicode
// property regexes) costs ~80 ms of a ~150 ms start-up budget. Printable ASCII is one column per character,
// so that case is answered directly; anything else (ANSI colours, CJK, emoji, tabs) loads the real module on
// first use and gets its exact answer.
'use strict';
let real;
const printableAscii = /^[\x20-\x7e]*$/;
module.exports = function stringWidth(text, options) {
  if (typeof text === 'string' && printableAscii.test(text)) return text.length;
  real ??= require('../node_modules/string-width/index.js').default;
  return real(text, options);
};
module.exports.default = module.exports;
