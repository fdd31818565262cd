/**
 * Exports in the stack: the export function, the jobs that purge told which function rebuilds exports, and a
 * standing export per spec that asks for one (config `specs[].export`), scheduled until the project ends.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { exampleConfig, logicalId, synthStack } from './support';

const config = exampleConfig((doc) => {
  doc.specs[0].export = { schedule: 'cron(0 6 ? * MON *)', format: 'parquet' };
});
const { stack, template, json } = synthStack(config);

describe('exports in the stack', () => {
  it('schedules a standing export of the spec that asks for one, and no other', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('export').fn), 'Arn'] },
        Input: Match.serializedJson(Match.objectLike({ action: 'create', spec: config.specs[0]!.name, format: 'parquet' })),
      }),
    });
    const exportSchedules = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::Scheduler::Schedule' && JSON.stringify(r.Properties.Target.Arn).includes(logicalId(stack, stack.jobs.get('export').fn)),
    );
    expect(exportSchedules).toHaveLength(1);
  });

  it('tells each job that purges which function rebuilds exports', () => {
    for (const job of ['purge', 'refresh-shard', 'expire', 'erase'] as const) {
      const variables = json.Resources[logicalId(stack, stack.jobs.get(job).fn)]!.Properties.Environment.Variables;
      expect([job, variables.STEWARD_FUNCTION_EXPORT]).toEqual([job, { Ref: logicalId(stack, stack.jobs.get('export').fn) }]);
    }
  });
});
