/** STEWARD_DYNAMODB_JVM_OPTIONS: the JVM options DynamoDB Local starts with when the caller passes none. */
import { FAST_START_JVM_OPTIONS, jvmOptionsFromEnv, JVM_OPTIONS_ENV } from '../../lib/local/dynamodb-local';
import { LocalServiceError } from '../../lib/local/errors';

describe('jvmOptionsFromEnv', () => {
  it('splits the options on spaces; unset gives the fast-start options, blank none (the JVM\'s own defaults)', () => {
    expect(jvmOptionsFromEnv({ [JVM_OPTIONS_ENV]: ' -XX:TieredStopAtLevel=1   -XX:+UseSerialGC ' })).toEqual(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']);
    expect(jvmOptionsFromEnv({})).toEqual(FAST_START_JVM_OPTIONS);
    expect(FAST_START_JVM_OPTIONS).toEqual(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']);
    expect(jvmOptionsFromEnv({ [JVM_OPTIONS_ENV]: '  ' })).toEqual([]);
  });

  it('refuses a value that is not options, naming the variable', () => {
    expect(() => jvmOptionsFromEnv({ [JVM_OPTIONS_ENV]: '-Xmx256m rm' })).toThrow(LocalServiceError);
    expect(() => jvmOptionsFromEnv({ [JVM_OPTIONS_ENV]: 'Xmx256m' })).toThrow(/STEWARD_DYNAMODB_JVM_OPTIONS must be JVM options/);
  });
});
