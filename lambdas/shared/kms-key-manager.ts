/**
 * Crypto-shredding on AWS: the KeyManager port (lib/store/ports.ts) over KMS. The expiry job calls it once the
 * project has ended and every record is purged; KMS then deletes the content key after a waiting period, during
 * which `aws kms cancel-key-deletion` still undoes it.
 */
import { KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { KEY_PENDING_WINDOW_DAYS } from '../../lib/domain/calendar';
import type { KeyManager } from '../../lib/store';

/** KMS's longest waiting period: the most time to notice a mistake (the calendar dates the deletion with it). */
export const PENDING_WINDOW_DAYS = KEY_PENDING_WINDOW_DAYS;

export class KmsKeyManager implements KeyManager {
  constructor(
    private readonly kms: KMSClient,
    /** The content key (the data bucket's); never the evidence key. */
    private readonly keyArn: string,
  ) {}

  async scheduleKeyDeletion(): Promise<{ scheduled: boolean; detail: string }> {
    try {
      const out = await this.kms.send(new ScheduleKeyDeletionCommand({ KeyId: this.keyArn, PendingWindowInDays: PENDING_WINDOW_DAYS }));
      return {
        scheduled: true,
        detail: `content key ${this.keyArn} will be deleted on ${out.DeletionDate?.toISOString() ?? `in ${PENDING_WINDOW_DAYS} days`}; until then aws kms cancel-key-deletion --key-id ${this.keyArn} undoes it`,
      };
    } catch (error) {
      // Scheduled by an earlier run: the state is what was asked for.
      if ((error as { name?: string }).name === 'KMSInvalidStateException') return { scheduled: true, detail: `content key ${this.keyArn} is already pending deletion` };
      throw error;
    }
  }
}

/** The KMS client of the execution environment (only the expiry function loads it). */
export const kmsClient = new KMSClient({});
