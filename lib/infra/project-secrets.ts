/**
 * The project's secrets in Secrets Manager: the HMAC key that turns record ids and usernames into the audit log's
 * keyed hashes, and one secret per TikTok source holding the client key and secret the lab was issued.
 *
 * Source secrets are created with a placeholder client key; the lab puts the real value after the first deploy
 * (README, "Deploy"). Handlers refuse to run while the placeholder is in place.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PLACEHOLDER_CLIENT_KEY } from '../config/deployed';


export interface SourceSecretSpec {
  /** The source name in the config (`sources.<name>`). */
  readonly source: string;
  /** Secrets Manager name from the config (`credentials.secretName`). */
  readonly secretName: string;
}

export interface ProjectSecretsProps {
  readonly projectId: string;
  /** Encrypts every secret (the audit key: these must outlive the content). */
  readonly encryptionKey: kms.IKey;
  /** One secret per TikTok source. */
  readonly sources: readonly SourceSecretSpec[];
}

export class ProjectSecrets extends Construct {
  /** HMAC key of the project's keyed hashes; losing it makes the audit log unsearchable by record id. */
  public readonly hashKey: secretsmanager.Secret;
  /** TikTok client credentials by source name: `{"clientKey": "...", "clientSecret": "..."}`. */
  public readonly sourceSecrets: ReadonlyMap<string, secretsmanager.Secret>;
  /** The key every secret is encrypted with. */
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ProjectSecretsProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.hashKey = new secretsmanager.Secret(this, 'HashKey', {
      secretName: `steward/${props.projectId}/hash-key`,
      description: `Steward ${props.projectId}: HMAC key of the audit log's keyed hashes (never rotate: old hashes would stop matching)`,
      encryptionKey: props.encryptionKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    Validations.of(this.hashKey).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The HMAC key must never change: every keyed hash in the append-only audit log was computed with it, and rotation would make past records unfindable.',
    });

    const sourceSecrets = new Map<string, secretsmanager.Secret>();
    for (const { source, secretName } of props.sources) {
      const secret = new secretsmanager.Secret(this, `Source-${source}`, {
        secretName,
        description: `Steward ${props.projectId}: TikTok client key and secret of source "${source}" (set the real value after the first deploy)`,
        encryptionKey: props.encryptionKey,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ clientKey: PLACEHOLDER_CLIENT_KEY }),
          generateStringKey: 'clientSecret',
          excludePunctuation: true,
        },
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason: 'TikTok issues the client key and secret in its developer portal; there is no API a rotation Lambda could call, so the lab replaces the value by hand when TikTok reissues it.',
      });
      sourceSecrets.set(source, secret);
    }
    this.sourceSecrets = sourceSecrets;
  }
}
