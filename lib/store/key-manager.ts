/**
 * Key managers for crypto-shredding at project end. The AWS one (KMS ScheduleKeyDeletion on the project's content
 * key) comes with the CDK stack; locally there is no key to delete, so this one only says what would be done.
 */
import type { KeyManager } from './ports';

/** Reports, and schedules nothing: the embedded local services encrypt nothing with a project key. */
export class ReportingKeyManager implements KeyManager {
  constructor(private readonly keyDescription: string = "the project's content KMS key") {}

  async scheduleKeyDeletion(): Promise<{ scheduled: boolean; detail: string }> {
    return {
      scheduled: false,
      detail: `local run: nothing scheduled. Deployed, ${this.keyDescription} would be scheduled for deletion (KMS ScheduleKeyDeletion, 30-day waiting period), leaving any copy that escaped the purge unreadable`,
    };
  }
}
