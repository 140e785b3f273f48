// Runs ao-loader's own strftime on given `struct tm` values: the wasm64 glue's _strftime and the
// helpers it calls (isLeapYear, arraySum, the month tables, addDays), taken from the installed
// @permaweb/ao-loader bundle as they are and evaluated over a scratch heap laid out like the
// wasm64 struct tm (fields at 0-32, tm_gmtoff at 40, tm_zone at 48).
//
// usage: node glue_strftime.cjs <ao-loader folder>  < cases.json
//   cases: [{"format": "...", "tm": {sec, min, hour, mday, mon, year, wday, yday, gmtoff, zone}}]
//   prints [{"result": "..."} or {"thrown": "TypeError: ..."}] in the same order.
// gmtoff is a decimal string (it may not fit a double).
const fs = require('fs');
const path = require('path');

const bundle = fs.readFileSync(path.join(process.argv[2], 'node_modules/@permaweb/ao-loader/dist/index.cjs'), 'utf8');
const wasm64 = bundle.indexOf('var require_wasm64_emscripten');
if (wasm64 < 0) throw new Error('no wasm64 glue in the bundle');

// The text of the declaration starting at `head`, up to its closing bracket.
function declaration(head) {
  const start = bundle.indexOf(head, wasm64);
  if (start < 0) throw new Error('missing in the glue: ' + head);
  let depth = 0;
  for (let i = start; i < bundle.length; i++) {
    const c = bundle[i];
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return bundle.slice(start, i + 1) + ';';
  }
  throw new Error('unterminated: ' + head);
}

const heap = new ArrayBuffer(1 << 20);
const HEAP8 = new Int8Array(heap), HEAPU8 = new Uint8Array(heap), HEAP32 = new Int32Array(heap);
const HEAP64 = new BigInt64Array(heap), HEAPU64 = new BigUint64Array(heap);
const bigintToI53Checked = (n) => Number(n);
const UTF8ToString = (p) => {
  let end = p;
  while (HEAPU8[end]) end++;
  return new TextDecoder().decode(HEAPU8.subarray(p, end));
};
const intArrayFromString = (s) => [...new TextEncoder().encode(s), 0];
const writeArrayToMemory = (array, p) => HEAP8.set(array, p);
const assert = () => {};

const heads = ['var isLeapYear =', 'var arraySum =', 'var MONTH_DAYS_LEAP =', 'var MONTH_DAYS_REGULAR =',
               'var addDays =', 'var _strftime ='];
const glueStrftime = eval(heads.map(declaration).join('\n') + '\n_strftime');

const TM = 0, ZONE = 4096, FORMAT = 65536, OUT = 524288, OUT_SIZE = 262144;
const encode = (s) => new TextEncoder().encode(s);
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = cases.map(({format, tm}) => {
  HEAPU8.fill(0);
  [tm.sec, tm.min, tm.hour, tm.mday, tm.mon, tm.year, tm.wday, tm.yday, 0].forEach((v, i) => { HEAP32[TM / 4 + i] = v; });
  HEAP64[(TM + 40) / 8] = BigInt(tm.gmtoff);
  HEAPU8.set(encode(tm.zone), ZONE);
  HEAPU64[(TM + 48) / 8] = tm.zone ? BigInt(ZONE) : 0n;
  HEAPU8.set(encode(format), FORMAT);
  try {
    const n = Number(glueStrftime(BigInt(OUT), BigInt(OUT_SIZE), BigInt(FORMAT), BigInt(TM)));
    return {result: new TextDecoder().decode(HEAPU8.subarray(OUT, OUT + n))};
  } catch (e) {
    return {thrown: `${e.name}: ${e.message}`};
  }
});
process.stdout.write(JSON.stringify(results));
