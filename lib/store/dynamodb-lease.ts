/**
 * Leases in the ledger table: a conditional put that lets one worker at a time own a piece of work (one due-index
 * shard of the refresh sweep). A lease names its owner and expires on its own, so a worker that dies (a Lambda
 * timeout) blocks the work only until then; DynamoDB's TTL later removes the item.
 */
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../domain/clock';
import { ledgerKeys } from './tables';

/** Extra lifetime of a lease item past its expiry, before TTL may remove it (diagnosis of stuck workers). */
const TTL_GRACE_SECONDS = 86_400;

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoDbLease {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Take the lease `name` for `owner` until `until`. True when taken: it was free, expired, or already `owner`'s
   * (renewal). False when another owner holds it.
   */
  async acquire(name: string, owner: string, until: Date): Promise<boolean> {
    const now = this.clock.now();
    if (until.getTime() <= now.getTime()) throw new RangeError(`lease ${name}: until (${until.toISOString()}) must be in the future`);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...ledgerKeys.lease(name), owner, acquiredAt: now.toISOString(), expiresAt: until.toISOString(), ttl: Math.ceil(until.getTime() / 1000) + TTL_GRACE_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now.toISOString(), ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Give the lease back if `owner` still holds it; a lease taken over meanwhile is left alone. */
  async release(name: string, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: ledgerKeys.lease(name),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
