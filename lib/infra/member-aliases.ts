/**
 * One alias per lab member on a function that acts for members (`member-<name>`, lib/domain/member-alias.ts), so
 * the function learns who invoked it from Lambda itself (the invoked ARN's qualifier) rather than from the event.
 * Grant a member's role `lambda:InvokeFunction` on its own alias only (`aliasOf(member).functionArn`), never on the
 * function or `:*`: IAM then stops one member from acting as another. LabAccess does this for the functions it is
 * given as `identifyingJobs`; the handler side is lambdas/shared/member-identity.ts.
 *
 * @example
 * const aliases = new MemberAliases(this, 'ExportAliases', { fn: exportFn, members: ['ada', 'grace'] });
 * role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [aliases.aliasOf('grace').functionArn] }));
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { memberAliasName } from '../domain/member-alias';
import { pascalCase } from './naming';

export interface MemberAliasesProps {
  /** The function (its current version is published; each alias points at it). */
  readonly fn: lambda.Function;
  /** Member names (lowercase slugs, as in the config). */
  readonly members: readonly string[];
}

export class MemberAliases extends Construct {
  public readonly aliases: ReadonlyMap<string, lambda.Alias>;

  constructor(scope: Construct, id: string, props: MemberAliasesProps) {
    super(scope, id);
    const aliases = new Map<string, lambda.Alias>();
    for (const member of props.members) {
      aliases.set(
        member,
        new lambda.Alias(this, pascalCase(member), {
          aliasName: memberAliasName(member),
          version: props.fn.currentVersion,
          description: `Invoked by lab member ${member} only (the function reads the member from this alias)`,
        }),
      );
    }
    this.aliases = aliases;
  }

  /** The alias of `member`; throws when the member has none. */
  aliasOf(member: string): lambda.Alias {
    const alias = this.aliases.get(member);
    if (!alias) throw new RangeError(`member "${member}" has no alias on this function`);
    return alias;
  }
}
