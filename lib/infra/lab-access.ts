/**
 * Lab access: one role per lab member who has an IAM principal in the config, and the access trail (CloudTrail
 * data events on record objects and exports) that shows which researcher read what. A member's role reads exports,
 * the ledger and the audit log, never record objects, and writes nothing itself; it may invoke the job functions
 * of the actions the member's role allows (lib/domain/roles.ts `mayAct`): every member the read-only jobs (audit
 * queries, reports, certificates, the quota plan, the calendar), erase, the export function (create, list, pull,
 * release) and the publication function (add, list, show; `done` only the PI), the PI also expire, the purge
 * function (list and dismiss purge holds) and the refresh worker (release a purge hold). SQL over the exports runs through the query function (audited); a
 * member reads the results of the query workgroup, and never starts a query directly.
 *
 * Functions that act in a member's name (`identifyingJobs`: export, erase, query, publication, purge, refresh-shard) get one alias per member
 * (lib/infra/member-aliases.ts); a member's role may invoke only its own alias of those, never the function itself,
 * so the function reads who acts from the alias Lambda reports, not from the event.
 */
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration, Stack } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MEMBER_ACTIONS, mayAct, type MemberAction } from '../domain/roles';
import { EXPORTS_PREFIX } from '../domain/exports';
import { LOG_PREFIXES, RECORDS_PREFIX, type DataVault } from './data-vault';
import { MemberAliases } from './member-aliases';
import { pascalCase } from './naming';
import type { QueryEngine } from './query-engine';
import { acknowledgeRecordObjects, vaultStatements, type VaultAccess } from './vault-access';

/** The platform allows at most this many researchers per project (a PI and 9 collaborators). */
export const MAX_MEMBERS = 10;

/**
 * What a member may do with their own credentials: read exports (what they pull), the ledger and the audit log;
 * never `records/`, and write nothing. Creating, pulling and releasing exports goes through the export function.
 */
export const MEMBER_ACCESS: VaultAccess = { objects: [], exports: 'read', ledger: 'read', audit: 'read' };

export interface LabMember {
  readonly name: string;
  readonly role: 'pi' | 'researcher';
  /** The IAM user or role that may assume the member's read-only role; members without one get no role. */
  readonly iamPrincipalArn?: string;
}

export interface LabAccessProps {
  readonly projectId: string;
  readonly vault: DataVault;
  /** Members read the HMAC key to look records up in the audit log by id. */
  readonly hashKey: secretsmanager.ISecret;
  readonly members: readonly LabMember[];
  /** The job functions that carry out each member action; a member may invoke those of the actions its role allows. */
  readonly memberJobs?: Readonly<Partial<Record<MemberAction, readonly lambda.IFunction[]>>>;
  /**
   * Of those, the functions that identify the member by the alias invoked (lambdas/shared/member-identity.ts): each
   * gets an alias per member with a role, and a member may invoke only its own alias of it. By job name.
   */
  readonly identifyingJobs?: Readonly<Record<string, lambda.Function>>;
  /** @default Duration.hours(1) */
  readonly maxSessionDuration?: Duration;
  /**
   * The query engine, when deployed: members read its workgroup's executions and results (never start a query
   * themselves: that goes through the query function, which audits it).
   */
  readonly queryEngine?: QueryEngine;
}

export class LabAccess extends Construct {
  /** Read-only role by member name. */
  public readonly memberRoles: ReadonlyMap<string, iam.Role>;
  /** The member aliases of each identifying function, by function. */
  public readonly memberAliases: ReadonlyMap<lambda.IFunction, MemberAliases>;
  public readonly trail: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: LabAccessProps) {
    super(scope, id);
    if (props.members.length > MAX_MEMBERS) {
      throw new Error(`members: the platform allows at most ${MAX_MEMBERS} researchers per project (got ${props.members.length}); remove members from the config`);
    }
    const { vault } = props;
    const roles = new Map<string, iam.Role>();
    const withRoles = props.members.filter((m) => m.iamPrincipalArn).map((m) => m.name);
    const aliases = new Map<lambda.IFunction, MemberAliases>();
    // An alias only for the members whose role may take an action the function carries out (no researcher alias
    // of the purge function or the refresh worker: only the PI decides purge holds).
    const mayInvoke = (member: LabMember, fn: lambda.IFunction) => MEMBER_ACTIONS.some((action) => mayAct(member, action) && (props.memberJobs?.[action] ?? []).includes(fn));
    for (const [job, fn] of Object.entries(props.identifyingJobs ?? {})) {
      const members = props.members.filter((m) => withRoles.includes(m.name) && mayInvoke(m, fn)).map((m) => m.name);
      aliases.set(fn, new MemberAliases(this, `${pascalCase(job)}MemberAliases`, { fn, members }));
    }
    this.memberAliases = aliases;
    for (const member of props.members) {
      if (!member.iamPrincipalArn) continue;
      const jobs = [...new Set(MEMBER_ACTIONS.filter((action) => mayAct(member, action)).flatMap((action) => props.memberJobs?.[action] ?? []))];
      // The member's own alias of a function that identifies members; the function itself otherwise.
      const invocable = jobs.map((fn) => aliases.get(fn)?.aliasOf(member.name).functionArn ?? fn.functionArn);
      const role = new iam.Role(this, `Member${pascalCase(member.name)}`, {
        assumedBy: new iam.ArnPrincipal(member.iamPrincipalArn),
        description: `Steward ${props.projectId}: access for ${member.role} ${member.name}`,
        maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      });
      const policy = new iam.Policy(this, `Member${pascalCase(member.name)}ReadOnly`, {
        statements: [
          ...vaultStatements(vault, MEMBER_ACCESS),
          new iam.PolicyStatement({ sid: 'ReadHashKey', actions: ['secretsmanager:GetSecretValue'], resources: [props.hashKey.secretArn] }),
          ...(invocable.length > 0
            ? [new iam.PolicyStatement({ sid: 'InvokeMemberJobs', actions: ['lambda:InvokeFunction'], resources: invocable })]
            : []),
          new iam.PolicyStatement({
            sid: 'DecryptHashKey',
            actions: ['kms:Decrypt'],
            resources: [vault.evidenceKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
          }),
          ...(props.queryEngine?.readResultsStatements() ?? []),
        ],
      });
      policy.attachToRole(role);
      acknowledgeRecordObjects(policy, vault, MEMBER_ACCESS);
      props.queryEngine?.acknowledgeObjectScopes(policy, false);
      roles.set(member.name, role);
    }
    this.memberRoles = roles;

    // Reads of record objects, by whoever made them: the per-researcher access trail. Writes are jobs' and are
    // in the audit log already.
    this.trail = new cloudtrail.Trail(this, 'AccessTrail', {
      bucket: vault.logBucket,
      s3KeyPrefix: LOG_PREFIXES.trail,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: cloudtrail.ReadWriteType.NONE,
      enableFileValidation: true,
    });
    // Reads of exports too: every part a member pulls is logged, beside the `export.pulled` event.
    this.trail.addS3EventSelector([{ bucket: vault.bucket, objectPrefix: RECORDS_PREFIX }, { bucket: vault.bucket, objectPrefix: EXPORTS_PREFIX }], {
      readWriteType: cloudtrail.ReadWriteType.READ_ONLY,
      includeManagementEvents: false,
    });
  }
}
