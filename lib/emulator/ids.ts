/**
 * TikTok-style ids. Video, comment and playlist ids carry their creation second in the high 32 bits (so they sort
 * by creation time, like TikTok's) and a scrambled payload in the low 32 bits: the entity's index, recoverable
 * without a lookup table of every id.
 */
import { permute32, unpermute32 } from './random';

/** An id in any form a client may send (digits, safe number, bigint) as a bigint, or undefined if it is not one. */
export function toBigId(id: unknown): bigint | undefined {
  if (typeof id === 'bigint') return id >= 0n ? id : undefined;
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0 ? BigInt(id) : undefined;
  if (typeof id === 'string' && /^\d{1,20}$/.test(id)) return BigInt(id);
  return undefined;
}

/** Creation second in the high 32 bits, the payload (keyed and scrambled) in the low 32. */
export function makeId(createTime: number, payload: number, key: number): bigint {
  return (BigInt(createTime) << 32n) | BigInt(permute32((payload ^ key) >>> 0));
}

/** The payload {@link makeId} put into an id. */
export function idPayload(id: bigint, key: number): number {
  return (unpermute32(Number(id & 0xffffffffn)) ^ key) >>> 0;
}
