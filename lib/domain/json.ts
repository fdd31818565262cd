/**
 * Lossless JSON. TikTok ids are 64-bit integers sent as bare JSON numbers; `JSON.parse` rounds anything above
 * 2^53 and silently corrupts them. Here integers that do not fit a double exactly are read as `bigint`
 * and written back as bare digits, so every id survives a round trip. Safe numbers stay plain numbers.
 */
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

function parseNumber(text: string): number | bigint {
  if (isInteger(text) && !isSafeNumber(text)) return BigInt(text);
  return Number(text);
}

/** Parse JSON text; unsafe integers become `bigint`. Throws SyntaxError on invalid JSON. */
export function parseJson(text: string): unknown {
  return parse(text, null, parseNumber);
}

/** Serialise to JSON; `bigint` values are written as bare integers. */
export function stringifyJson(value: unknown, space?: number): string {
  const out = stringify(value, undefined, space);
  if (out === undefined) throw new TypeError('stringifyJson: value is not serialisable');
  return out;
}

/** An id as the program holds it: a decimal string, whatever form it arrived in. */
export function idToString(id: bigint | number | string): string {
  if (typeof id === 'number' && !Number.isSafeInteger(id)) {
    throw new RangeError(`id ${id} lost precision before it reached Steward (parse JSON with parseJson)`);
  }
  return String(id);
}

/** An id as the wire wants it: a bare JSON integer (bigint), from its decimal string. */
export function idToWire(id: string | bigint): bigint {
  return typeof id === 'bigint' ? id : BigInt(id);
}
