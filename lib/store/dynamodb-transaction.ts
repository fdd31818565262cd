/**
 * Writes of one DynamoDB adapter handed to another, to go in its transaction (ports.ts `PreparedWrites`): a run's
 * item and the opening of its audit chain commit together. Only writes made here are taken; anything else is a
 * programming error, refused before anything is sent.
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { PreparedWrites } from './ports';

/** One item of a TransactWriteItems call. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

class DynamoDbWrites implements PreparedWrites {
  readonly preparedBy = 'dynamodb';
  constructor(readonly items: readonly TransactItem[]) {}
}

/** Wrap transaction items for another adapter's transaction. */
export function preparedWrites(items: readonly TransactItem[]): PreparedWrites {
  return new DynamoDbWrites([...items]);
}

/** The transaction items of writes made by `preparedWrites`; none for `undefined`. */
export function transactItemsOf(writes: PreparedWrites | undefined): readonly TransactItem[] {
  if (writes === undefined) return [];
  if (!(writes instanceof DynamoDbWrites)) throw new TypeError(`prepared writes of "${writes.preparedBy}" cannot join a DynamoDB transaction`);
  return writes.items;
}
