/** The KMS key manager: schedules the content key's deletion with the longest waiting period, idempotently. */
import { KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsKeyManager, PENDING_WINDOW_DAYS } from '../../../lambdas/shared/kms-key-manager';

const KEY = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('KmsKeyManager', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());
  afterAll(() => kms.restore());

  it('schedules deletion of exactly the content key, 30 days out, and says how to cancel', async () => {
    // Prepare
    kms.on(ScheduleKeyDeletionCommand).resolves({ KeyId: KEY, DeletionDate: new Date('2027-07-31T00:00:00Z') });
    // Act
    const result = await new KmsKeyManager(new KMSClient({ region: 'eu-central-1' }), KEY).scheduleKeyDeletion();
    // Assess
    expect(kms.commandCalls(ScheduleKeyDeletionCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: KEY, PendingWindowInDays: PENDING_WINDOW_DAYS }]);
    expect(result).toEqual({ scheduled: true, detail: expect.stringMatching(/2027-07-31T00:00:00.000Z.*cancel-key-deletion/) });
  });

  it('treats a key already pending deletion as scheduled', async () => {
    kms.on(ScheduleKeyDeletionCommand).rejects(Object.assign(new Error('pending deletion'), { name: 'KMSInvalidStateException' }));
    await expect(new KmsKeyManager(new KMSClient({ region: 'eu-central-1' }), KEY).scheduleKeyDeletion()).resolves.toMatchObject({ scheduled: true });
  });

  it('lets other failures through (the expiry run fails and alarms)', async () => {
    kms.on(ScheduleKeyDeletionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(new KmsKeyManager(new KMSClient({ region: 'eu-central-1' }), KEY).scheduleKeyDeletion()).rejects.toThrow('denied');
  });
});
