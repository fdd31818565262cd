/**
 * Spec lists (moved out of dynamodb-ledger.ts and dynamodb-ledger-items.ts): how dependent specs find the videos a
 * spec first collected. Writing: `specListItems` (one item per collected page). Reading: `specListPage`, which
 * skips keys no longer active (a list is never rewritten when a video is purged).
 */
import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, type NativeAttributeValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type ActiveRecord, type RecordKey, recordKeyOf } from '../domain/records';
import { encodeCursor } from './retry';
import { ledgerKeys } from './tables';

type Item = Record<string, NativeAttributeValue>;

/** Where a walk of a spec's lists stands: at key `offset` of list `sk`, or after list `after`, or at the start. */
export type SpecListPosition = { sk?: string; offset?: number; after?: string };

/** What the reader needs of the ledger: its client, its table, and consistent batch reads by key. */
export interface SpecListIo {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly batchGet: (keys: readonly { pk: string; sk: string }[]) => Promise<Item[]>;
}

/** Most record keys one spec-list item holds. */
export const SPEC_LIST_SIZE = 100;

/**
 * Spec-list items for the videos among `records`: per spec (`provenance.specName`), their keys sorted, in items of
 * up to SPEC_LIST_SIZE. This is how dependent specs (comments, authors) find the videos a spec collected: a share
 * of one item per video instead of one `by-spec` index write each. Deterministic (same records, same items), so a
 * retried write overwrites rather than adds. A list may name a video since purged: readers check the ledger.
 */
export function specListItems(records: readonly ActiveRecord[]): Item[] {
  const bySpec = new Map<string, { keys: RecordKey[]; at: string }>();
  for (const record of records) {
    if (record.ref.kind !== 'video') continue;
    const spec = record.provenance.specName;
    let list = bySpec.get(spec);
    if (!list) bySpec.set(spec, (list = { keys: [], at: record.firstCollectedAt }));
    list.keys.push(recordKeyOf(record.ref));
    if (record.firstCollectedAt < list.at) list.at = record.firstCollectedAt;
  }
  const items: Item[] = [];
  for (const [spec, { keys, at }] of bySpec) {
    const sorted = [...new Set(keys)].sort();
    for (let i = 0; i < sorted.length; i += SPEC_LIST_SIZE) {
      const part = sorted.slice(i, i + SPEC_LIST_SIZE);
      const digest = createHash('sha256').update(part.join('\n')).digest('hex').slice(0, 16);
      items.push({ ...ledgerKeys.specList(spec, `${at}#${digest}`), specName: spec, keys: part });
    }
  }
  return items;
}

/** Up to `limit` keys from the spec's lists at `from`, skipping videos no longer active or not the spec's. */
export async function specListPage(io: SpecListIo, specName: string, limit: number, from: SpecListPosition): Promise<{ keys: RecordKey[]; cursor?: string }> {
  const pk = ledgerKeys.specList(specName, '').pk;
  let position = from;
  for (;;) {
    const range = position.sk !== undefined ? ' AND sk >= :from' : position.after !== undefined ? ' AND sk > :from' : '';
    const out = await io.doc.send(
      new QueryCommand({
        TableName: io.tableName,
        KeyConditionExpression: `pk = :pk${range}`,
        ExpressionAttributeValues: { ':pk': pk, ...(range ? { ':from': position.sk ?? position.after } : {}) },
        Limit: Math.ceil(limit / SPEC_LIST_SIZE) + 1,
        ConsistentRead: true,
      }),
    );
    const candidates: RecordKey[] = [];
    let next: SpecListPosition | undefined;
    for (const item of out.Items ?? []) {
      const sk = String(item.sk);
      const keys = (item.keys as string[]) ?? [];
      let offset = position.sk === sk ? position.offset ?? 0 : 0;
      while (offset < keys.length && candidates.length < limit) candidates.push(keys[offset++]!);
      if (offset < keys.length) {
        next = { sk, offset };
        break;
      }
      next = { after: sk };
    }
    const more = next?.sk !== undefined || out.LastEvaluatedKey !== undefined;
    const found = await io.batchGet([...new Set(candidates)].map((key) => ledgerKeys.record(key)));
    const live = new Set(found.filter((item) => item.kind === 'video' && (item.provenance as { specName?: unknown } | undefined)?.specName === specName).map((item) => ledgerKeys.recordKeyOfPk(String(item.pk))));
    const keys = [...new Set(candidates)].filter((key) => live.has(key));
    if (!more) return { keys };
    position = next ?? position;
    if (keys.length > 0) return { keys, cursor: encodeCursor({ specList: position }) };
  }
}
