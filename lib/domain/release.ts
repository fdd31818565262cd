/**
 * Working through a page read from a store without the page keeping what was worked through alive: a long pass
 * (verify over 100k records) otherwise holds each page's array, and every item in it, until the next page replaces
 * it, and V8 promotes them to old space, collected only by a full collection.
 */

/**
 * The items of `page`, one by one; each slot is emptied as its item is handed out, and the array is emptied once
 * the caller is done with it (or stops early). The array is the caller's scratch: it is changed.
 */
export function* releasing<T>(page: readonly T[]): Generator<T, void, undefined> {
  const items = page as (T | undefined)[];
  try {
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as T;
      items[i] = undefined;
      yield item;
    }
  } finally {
    items.length = 0;
  }
}
