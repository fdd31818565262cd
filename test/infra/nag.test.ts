/**
 * cdk-nag: the AwsSolutions and Serverless packs run over the app exactly as `cdk synth` runs them (bin/app.ts),
 * no finding is left unacknowledged, and every acknowledgement carries a reason and sits on a construct below the
 * stack (never a blanket acknowledgement of the stack or the app).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../bin/app';
import { EXAMPLE_CONFIG_FILE, testApp } from './support';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
  readonly construct: IConstruct;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason, construct }))),
  );
}

describe('cdk-nag (AwsSolutions + Serverless)', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    app = await buildApp(testApp({ context: { config: EXAMPLE_CONFIG_FILE } }), {});
  });

  it('synthesizes with no unacknowledged finding (a finding makes synth throw)', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
  });

  it('acknowledges each finding with a reason of substance', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect([ack.path, ack.id, ack.reason.length >= 40]).toEqual([ack.path, ack.id, true]);
  });

  it('acknowledges at the narrowest scope: never on the app or a stack, IAM5 only for a named finding', () => {
    for (const ack of acknowledgements(app)) {
      expect([ack.path, Stack.isStack(ack.construct) || ack.construct === app]).toEqual([ack.path, false]);
      if (ack.id.includes('IAM5')) expect(ack.id).toMatch(/IAM5\[(Resource|Action)::.+\]$/);
    }
  });

  it('acknowledges only the expected rules (a new acknowledgement must be reviewed here)', () => {
    const ids = [...new Set(acknowledgements(app).map((a) => a.id.replace(/\[.*\]$/, '[...]')))].sort();
    expect(ids).toEqual(['AwsSolutions::AwsSolutions-IAM5[...]', 'AwsSolutions::AwsSolutions-SMG4', 'AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy']);
  });
});
