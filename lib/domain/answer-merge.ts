/**
 * What a stored record becomes when the platform answers for it again. The API leaves fields out of some items
 * (TikTok's answers omit keys at times; the emulator's `missingFieldRate` fault does the same), so an answer that
 * lacks a field is not evidence that the platform removed it:
 *
 * - a field absent from the answer keeps its stored value;
 * - a field the answer carries replaces the stored one, `null` included: `null` is how the platform says a value is
 *   gone, and the stored copy then holds `null` for it (the value itself is removed);
 * - a field only the answer has is added.
 *
 * The merged copy keeps the stored field order, so an answer that only lacks fields hashes like the stored copy and
 * is an unchanged refresh (no object write).
 */
import { parseJson, stringifyJson } from './json';

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The stored body after `answerBody`, by the rule above (lossless JSON: 64-bit ids stay exact). */
export function mergeAnswer(storedBody: string, answerBody: string): string {
  const stored = parseJson(storedBody);
  const answer = parseJson(answerBody);
  if (!isFields(stored) || !isFields(answer)) return answerBody;
  if (Object.keys(stored).every((key) => Object.hasOwn(answer, key))) return answerBody;
  const merged: Fields = {};
  for (const [key, value] of Object.entries(stored)) merged[key] = Object.hasOwn(answer, key) ? answer[key] : value;
  for (const [key, value] of Object.entries(answer)) if (!Object.hasOwn(merged, key)) merged[key] = value;
  return stringifyJson(merged);
}
