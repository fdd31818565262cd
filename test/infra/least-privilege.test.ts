/**
 * Least privilege, asserted on the synthesized policies (including what each role must NOT be able to do):
 * the collector cannot delete objects, member roles cannot write, no role has managed policies, and nothing
 * grants access to a public principal.
 */
import { MEMBER_IDENTIFIED_JOBS, MEMBER_JOBS } from '../../lib/infra/steward-stack';
import { allowedActions, canDo, covers, exampleConfig, logicalId, roleStatements, synthStack, type Statement } from './support';

const config = exampleConfig((doc) => {
  doc.members.push({ name: 'linus', role: 'researcher', iamPrincipalArn: 'arn:aws:iam::123456789012:role/linus-laptop' });
});
const { stack, json } = synthStack(config);
const jobStatements = (job: string) => roleStatements(json, logicalId(stack, [...stack.jobs.functions].find(([name]) => name === job)![1].role));
const sealIds = [logicalId(stack, stack.seals.bucket), logicalId(stack, stack.seals.signingKey)];
/** Statements on the signing key or the seal anchor bucket. */
const onSeals = (s: Statement) => sealIds.some((id) => JSON.stringify(s.Resource).includes(id));
/** A job's statements on the data and the tables (seal anchors and the signing key apart, asserted on their own). */
const jobRole = (job: string) => jobStatements(job).filter((s) => !onSeals(s));
const sealRole = (job: string) => jobStatements(job).filter(onSeals);
/** Allowed actions of `statements` on the audit table itself. */
const onAuditTable = (statements: readonly Statement[]) => statements.filter((s) => s.Effect === 'Allow' && s.Resource.some((r) => JSON.stringify(r) === JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.vault.auditTable), 'Arn'] })));
const memberRole = (name: string) => roleStatements(json, logicalId(stack, stack.labAccess.memberRoles.get(name)!));
/** The logical id of `member`'s alias of the function of `job`. */
const memberAliasId = (job: string, member: string) => {
  const aliases = stack.labAccess.memberAliases.get(stack.jobs.get(job as never).fn);
  const alias = aliases?.aliases.get(member);
  return alias ? logicalId(stack, alias) : `no alias of ${job} for ${member}`;
};
const resultsId = logicalId(stack, stack.queryEngine!.resultsBucket);
/** Statements on objects of the data bucket (the query results bucket apart, asserted on its own). */
const onDataObjects = (statements: readonly Statement[]) => statements.filter((s) => !JSON.stringify(s.Resource).includes(resultsId));

/** Every write to data: objects, tables, keys and secrets. */
const WRITES = [
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectAcl',
  's3:PutBucketPolicy',
  's3:PutLifecycleConfiguration',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteTable',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:ScheduleKeyDeletion',
  'secretsmanager:PutSecretValue',
];

describe('collector', () => {
  const statements = jobRole('collect');

  it('can write and read record objects', () => {
    expect(canDo(statements, 's3:PutObject')).toBe(true);
    expect(canDo(statements, 's3:GetObject')).toBe(true);
  });

  it.each(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutLifecycleConfiguration', 's3:PutBucketPolicy', 'dynamodb:DeleteItem'])('cannot %s', (action) => {
    expect(canDo(statements, action)).toBe(false);
  });

  it('cannot write to the audit log except by appending (no delete, updates only in the chain registry)', () => {
    expect(canDo(statements, 'dynamodb:DeleteItem')).toBe(false);
    expect(canDo(onAuditTable(statements), 'dynamodb:PutItem')).toBe(true);
  });

  it('reads the hash key and its sources\' credentials, and no other secret', () => {
    const secrets = statements.filter((s) => s.Action.includes('secretsmanager:GetSecretValue')).flatMap((s) => s.Resource);
    const expected = [stack.secrets.hashKey, ...stack.secrets.sourceSecrets.values()].map((secret) => ({ Ref: logicalId(stack, secret) }));
    expect(secrets).toEqual(expect.arrayContaining(expected));
    expect(secrets).toHaveLength(expected.length);
  });
});

describe('purger', () => {
  const statements = jobRole('purge');

  it('can delete every version of record objects and list versions under records/', () => {
    expect(canDo(statements, 's3:DeleteObjectVersion')).toBe(true);
    expect(canDo(statements, 's3:DeleteObject')).toBe(true);
    const list = statements.find((s) => s.Action.includes('s3:ListBucketVersions'))!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['records/*'] } });
  });

  it.each(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 'kms:GenerateDataKey', 'secretsmanager:GetSecretValue'])('cannot %s on content (never reads what it purges)', (action) => {
    if (action === 'secretsmanager:GetSecretValue') {
      // Only the hash key: no TikTok credentials.
      const secrets = statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
      expect(secrets).toEqual([{ Ref: logicalId(stack, stack.secrets.hashKey) }]);
      return;
    }
    if (action === 'kms:GenerateDataKey') {
      // Ledger writes need the key; object writes do not exist.
      expect(canDo(statements, 's3:PutObject')).toBe(false);
      return;
    }
    expect(canDo(statements, action)).toBe(false);
  });
});

describe('export function', () => {
  const statements = jobRole('export');

  it('reads records and writes, reads and deletes only under exports/', () => {
    const writes = statements.filter((s) => s.Action.some((a) => /^s3:(Put|Delete)Object/.test(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) expect(JSON.stringify(s.Resource)).toMatch(/\/exports\/\*/);
    const reads = statements.filter((s) => s.Action.includes('s3:GetObject'));
    expect(reads.map((s) => JSON.stringify(s.Resource).match(/\/(records|exports)\/\*/)?.[1]).sort()).toEqual(['exports', 'records']);
  });

  it('cannot delete records, the ledger\'s items or schedule key deletions', () => {
    for (const s of statements.filter((st) => st.Action.includes('s3:DeleteObjectVersion'))) expect(JSON.stringify(s.Resource)).not.toMatch(/records/);
    expect(canDo(statements, 'dynamodb:DeleteItem')).toBe(false);
    expect(canDo(statements, 'kms:ScheduleKeyDeletion')).toBe(false);
  });
});

describe('publication function', () => {
  const statements = jobRole('publication');

  it('puts publication objects only (under exports/publications/), never deletes, reads exports and the ledger, appends its audit events', () => {
    const puts = statements.filter((s) => s.Action.includes('s3:PutObject'));
    expect(puts.map((s) => [s.Action, JSON.stringify(s.Resource).match(/\/(exports\/[a-z/]*)\*/)?.[1]])).toEqual([[['s3:PutObject'], 'exports/publications/']]);
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 'dynamodb:DeleteItem', 'kms:ScheduleKeyDeletion']) expect([action, canDo(statements, action)]).toEqual([action, false]);
    // its runs (ledger) and its audit events (the append-only checks below cover it as an appender)
    expect(canDo(statements, 'dynamodb:PutItem')).toBe(true);
    for (const s of statements.filter((st) => st.Action.includes('s3:GetObject'))) expect(JSON.stringify(s.Resource)).toMatch(/\/exports\/\*/);
    expect(canDo(statements, 'dynamodb:Query')).toBe(true);
    expect(JSON.stringify(statements)).not.toMatch(/records\//);
  });
});

describe('read-only jobs: compliance check, audit query, report, certificate', () => {
  it('the compliance check lists objects and their versions', () => {
    expect(canDo(jobRole('verify'), 's3:ListBucket')).toBe(true);
    expect(canDo(jobRole('verify'), 's3:ListBucketVersions')).toBe(true);
    expect(canDo(jobRole('certify'), 's3:ListBucketVersions')).toBe(true);
  });

  it.each(['verify', 'audit-query', 'report', 'certify', 'calendar'])('%s reads no record content and writes nothing', (job) => {
    const statements = jobRole(job);
    for (const action of WRITES) expect([action, canDo(statements, action)]).toEqual([action, false]);
    // verify, report and certify read exports (manifests, parts to check their hashes), never records/.
    for (const s of statements.filter((st) => st.Action.includes('s3:GetObject'))) expect(JSON.stringify(s.Resource)).toMatch(/\/exports\/\*/);
  });
});

describe('crypto-shredding', () => {
  it('only the expiry job may schedule a key deletion, and only of the content key', () => {
    for (const job of stack.jobs.functions.keys()) {
      const grants = jobRole(job).filter((s) => s.Action.some((a) => covers(a, 'kms:ScheduleKeyDeletion')));
      if (job === 'expire') expect(grants.map((s) => s.Resource)).toEqual([[{ 'Fn::GetAtt': [logicalId(stack, stack.vault.contentKey), 'Arn'] }]]);
      else expect([job, grants]).toEqual([job, []]);
    }
    for (const member of stack.labAccess.memberRoles.keys()) expect(canDo(memberRole(member), 'kms:ScheduleKeyDeletion')).toBe(false);
  });

  it('the ledger and the audit log use the evidence key, which outlives the content key', () => {
    const evidence = logicalId(stack, stack.vault.evidenceKey);
    for (const table of [stack.vault.ledgerTable, stack.vault.auditTable]) {
      expect(json.Resources[logicalId(stack, table)]!.Properties.SSESpecification.KMSMasterKeyId).toEqual({ 'Fn::GetAtt': [evidence, 'Arn'] });
    }
  });
});

describe('collector to purger', () => {
  it('the collector may invoke the purge function (its orphan deletions), exactly that function, nothing else', () => {
    const invokes = jobRole('collect').filter((s) => s.Action.includes('lambda:InvokeFunction'));
    expect(invokes).toHaveLength(1);
    expect(invokes[0]!.Resource).toEqual([{ 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('purge').fn), 'Arn'] }]);
  });

  it('the jobs that purge may invoke the export function (rebuilds without the purged records), exactly that one', () => {
    for (const job of ['purge', 'refresh-shard', 'expire', 'erase']) {
      const invokes = jobRole(job).filter((s) => s.Action.includes('lambda:InvokeFunction'));
      expect([job, invokes.map((s) => s.Resource)]).toEqual([job, [[{ 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('export').fn), 'Arn'] }]]]);
    }
  });

  it('no other job may invoke a function', () => {
    const invokers = ['collect', 'purge', 'refresh-shard', 'expire', 'erase'];
    for (const job of [...stack.jobs.functions.keys()].filter((j) => !invokers.includes(j))) expect([job, canDo(jobRole(job), 'lambda:InvokeFunction')]).toEqual([job, false]);
  });
});

describe('every job role', () => {
  const roles = [...stack.jobs.functions.keys()].map((job) => [job, jobRole(job)] as const);

  it.each(roles)('%s: no action wildcard, and Resource "*" only for X-Ray', (_job, statements) => {
    for (const s of statements) {
      for (const action of s.Action) expect(action).not.toMatch(/\*/);
      if (s.Resource.includes('*')) expect(s.Action.every((a) => a.startsWith('xray:'))).toBe(true);
    }
  });

  it.each(roles)('%s: object access is limited to the records/ and exports/ prefixes (and seals/ of the anchor bucket, results/ of the query results bucket)', (job, statements) => {
    const objectStatements = statements.filter((s) => s.Action.some((a) => /^s3:(Get|Put|Delete)Object/.test(a)));
    for (const s of objectStatements) expect(JSON.stringify(s.Resource)).toMatch(new RegExp(`${logicalId(stack, stack.vault.bucket)}.*/(records|exports|exports/publications)/|${resultsId}.*/results/\\*`));
    for (const s of sealRole(job).filter((x) => x.Action.some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'))) expect(JSON.stringify(s.Resource)).toMatch(/\/seals\/\*/);
  });
});

describe('member roles', () => {
  it('exist only for members with an IAM principal, assumable by that principal only', () => {
    expect([...stack.labAccess.memberRoles.keys()].sort()).toEqual(['ada', 'linus']);
    const role = json.Resources[logicalId(stack, stack.labAccess.memberRoles.get('ada')!)]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/ada' } },
    ]);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
  });

  it.each(['ada', 'linus'])('%s can read exports, the ledger, the audit log and the hash key', (name) => {
    const statements = memberRole(name);
    for (const action of ['s3:GetObject', 's3:ListBucket', 'dynamodb:Query', 'dynamodb:GetItem', 'kms:Decrypt', 'secretsmanager:GetSecretValue']) {
      expect(canDo(statements, action)).toBe(true);
    }
  });

  it.each(['ada', 'linus'])('%s reads objects under exports/ only, never records/ (allowed and denied)', (name) => {
    const statements = memberRole(name);
    const objectReads = onDataObjects(statements).filter((s) => s.Action.includes('s3:GetObject'));
    expect(objectReads.length).toBeGreaterThan(0);
    for (const s of objectReads) {
      expect(JSON.stringify(s.Resource)).toMatch(/\/exports\/\*/);
      expect(JSON.stringify(s.Resource)).not.toMatch(/records/);
    }
    const listing = statements.filter((s) => s.Action.includes('s3:ListBucket'));
    expect(listing.map((s) => s.Condition)).toEqual([{ StringLike: { 's3:prefix': ['exports/*'] } }]);
    expect(JSON.stringify(statements)).not.toMatch(/records\//);
  });

  it.each(['ada', 'linus'])('%s cannot write anything', (name) => {
    const statements = memberRole(name);
    for (const action of WRITES) expect([action, canDo(statements, action)]).toEqual([action, false]);
    expect([...allowedActions(statements)].filter((a) => /Put|Update|Delete|Write|Create|Encrypt|GenerateDataKey/.test(a))).toEqual([]);
  });

  // Roles differ (lib/domain/roles.ts): the PI may expire, release purge holds (the refresh worker: a release looks
  // records up), dismiss them (the purge function) and erase; a researcher may erase and read. The routine jobs
  // are the schedules': no member may invoke them.
  it.each([
    ['ada', 'pi', [...MEMBER_JOBS, 'query', 'erase', 'export', 'expire', 'purge', 'refresh-shard', 'publication'], ['collect', 'verify']],
    ['linus', 'researcher', [...MEMBER_JOBS, 'query', 'erase', 'export', 'publication'], ['collect', 'refresh-shard', 'verify', 'expire', 'purge']],
  ])('%s (%s) may invoke exactly the jobs of the role', (name, _role, allowed, denied) => {
    const invoke = memberRole(name).filter((s) => s.Action.includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Action).toEqual(['lambda:InvokeFunction']);
    const fnId = (job: string) => logicalId(stack, stack.jobs.get(job as never).fn);
    // A job that acts in a member's name is invocable through the member's own alias only (memberAliasId below).
    const invocable = JSON.stringify(invoke[0]!.Resource);
    const reachable = (job: string) => invocable.includes(fnId(job)) || invocable.includes(memberAliasId(job, name));
    for (const job of allowed) expect([job, reachable(job)]).toEqual([job, true]);
    for (const job of denied) expect([job, reachable(job)]).toEqual([job, false]);
    expect(invoke[0]!.Resource).toHaveLength(allowed.length);
  });

  it.each(['ada', 'linus'])('%s may invoke only its own alias of the jobs that act in a member\'s name, never the function', (name) => {
    const other = name === 'ada' ? 'linus' : 'ada';
    const invocable = JSON.stringify(memberRole(name).filter((s) => s.Action.includes('lambda:InvokeFunction')).flatMap((s) => s.Resource));
    expect(MEMBER_IDENTIFIED_JOBS).toEqual(expect.arrayContaining(['export', 'erase', 'publication', 'purge', 'refresh-shard']));
    // Only the PI decides purge holds: a researcher has no alias of the purge function or the refresh worker at all.
    const piOnly = ['purge', 'refresh-shard'];
    if (name === 'linus') for (const job of piOnly) expect([job, stack.labAccess.memberAliases.get(stack.jobs.get(job as never).fn)?.aliases.has('linus')]).toEqual([job, false]);
    for (const job of MEMBER_IDENTIFIED_JOBS) {
      if (name === 'linus' && piOnly.includes(job)) {
        // ada's alias of it is not linus's either.
        expect([job, invocable.includes(memberAliasId(job, 'ada'))]).toEqual([job, false]);
        continue;
      }
      const fn = logicalId(stack, stack.jobs.get(job).fn);
      expect([job, invocable.includes(memberAliasId(job, name))]).toEqual([job, true]);
      expect([job, invocable.includes(memberAliasId(job, other))]).toEqual([job, false]);
      // Neither the unqualified function nor a wildcard over its qualifiers.
      expect([job, invocable.includes(`"${fn}"`) || invocable.includes(`${fn}","Arn"`)]).toEqual([job, false]);
      expect(invocable).not.toMatch(/:\*"/);
      const alias = json.Resources[memberAliasId(job, name)]!;
      expect(alias.Type).toBe('AWS::Lambda::Alias');
      expect(alias.Properties.Name).toBe(`member-${name}`);
      expect(JSON.stringify(alias.Properties.FunctionName)).toContain(fn);
    }
  });

  it('every member may invoke the read-only report, calendar, audit query, certify and quota plan functions (named, not through MEMBER_JOBS)', () => {
    expect([...MEMBER_JOBS].sort()).toEqual(['audit-query', 'calendar', 'certify', 'quota-plan', 'report']);
    for (const name of ['ada', 'linus']) {
      const invocable = JSON.stringify(memberRole(name).filter((s) => s.Action.includes('lambda:InvokeFunction')).flatMap((s) => s.Resource));
      for (const job of ['report', 'calendar'] as const) expect([name, job, invocable.includes(logicalId(stack, stack.jobs.get(job).fn))]).toEqual([name, job, true]);
    }
  });

  it.each(['ada', 'linus'])('%s reaches only this project: its bucket, tables, keys, read-only jobs and query workgroup', (name) => {
    const project = [
      stack.queryEngine!.resultsBucket,
      stack.vault.bucket,
      stack.vault.ledgerTable,
      stack.vault.auditTable,
      stack.vault.contentKey,
      stack.vault.evidenceKey,
      stack.secrets.hashKey,
      ...[...MEMBER_JOBS, 'query', 'erase', 'export', 'expire', 'purge', 'refresh-shard', 'publication'].map((job) => stack.jobs.get(job as never).fn),
    ].map((c) => logicalId(stack, c)).concat(MEMBER_IDENTIFIED_JOBS.map((job) => memberAliasId(job, name)));
    // The workgroup and the Glue catalog of the project, by name.
    const named = [':workgroup/steward-climate-talk', ':database/steward_climate_talk', ':table/steward_climate_talk/', ':catalog'];
    for (const s of memberRole(name)) {
      for (const resource of s.Resource) expect([resource, [...project, ...named].some((id) => JSON.stringify(resource).includes(id))]).toEqual([resource, true]);
    }
  });

  it('refuses more than 10 members (platform limit), even past the schema', () => {
    const eleven = { ...config, members: Array.from({ length: 11 }, (_, i) => ({ name: `m${i}-x`, role: i === 0 ? 'pi' : 'researcher' })) } as never;
    expect(() => synthStack(eleven)).toThrow(/at most 10 researchers per project/);
  });
});

describe('queries: only through the query function, which audits them', () => {
  const workGroupArn = (s: Statement) => JSON.stringify(s.Resource) === JSON.stringify([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':athena:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':workgroup/steward-climate-talk']] }]);
  const athena = (statements: readonly Statement[]) => statements.filter((s) => s.Action.some((a) => a.startsWith('athena:')));

  it('the query function starts, watches and stops queries in the project workgroup only', () => {
    const statements = jobRole('query');
    expect(athena(statements).length).toBeGreaterThan(0);
    for (const s of athena(statements)) expect(workGroupArn(s)).toBe(true);
    expect(canDo(statements, 'athena:StartQueryExecution')).toBe(true);
    expect(canDo(statements, 'athena:CreateWorkGroup')).toBe(false);
    expect(canDo(statements, 'athena:UpdateWorkGroup')).toBe(false);
  });

  it('the query function reads export parts (exports/data/), never records/, and writes only query results', () => {
    const statements = jobRole('query');
    const dataReads = onDataObjects(statements).filter((s) => s.Action.includes('s3:GetObject'));
    expect(dataReads.map((s) => JSON.stringify(s.Resource).match(/\/(exports\/data|records|exports)\/\*/)?.[1])).toEqual(['exports/data']);
    expect(onDataObjects(statements).find((s) => s.Action.includes('s3:ListBucket'))!.Condition).toEqual({ StringLike: { 's3:prefix': ['exports/data/*'] } });
    expect(canDo(onDataObjects(statements), 's3:PutObject')).toBe(false);
    for (const s of statements.filter((x) => x.Action.includes('s3:PutObject') && !onSeals(x))) expect(JSON.stringify(s.Resource)).toContain(resultsId);
    expect(canDo(statements, 's3:DeleteObject')).toBe(false);
    expect(canDo(statements, 'dynamodb:DeleteItem')).toBe(false);
  });

  it.each(['ada', 'linus'])('%s may read the workgroup\'s executions and results, and never start a query directly', (name) => {
    const statements = memberRole(name);
    for (const action of ['athena:GetQueryExecution', 'athena:GetQueryResults']) expect([action, canDo(statements, action)]).toEqual([action, true]);
    for (const action of ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:ListQueryExecutions', 'athena:UpdateWorkGroup', 'athena:CreateNamedQuery', 'glue:CreateTable', 'glue:UpdateTable']) {
      expect([action, canDo(statements, action)]).toEqual([action, false]);
    }
    for (const s of athena(statements)) expect(workGroupArn(s)).toBe(true);
    const resultReads = statements.filter((s) => s.Action.includes('s3:GetObject') && JSON.stringify(s.Resource).includes(resultsId));
    expect(resultReads.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringMatching(/\/results\/\*/)]);
  });
});

describe('nothing is public', () => {
  const resourcePolicies: [string, Statement[]][] = Object.entries(json.Resources).flatMap(([id, r]) => {
    const doc = r.Properties?.PolicyDocument ?? r.Properties?.KeyPolicy;
    if (!doc || r.Type === 'AWS::IAM::Policy') return [];
    const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Statement[];
    return [[id, statements]];
  });

  it('no resource policy allows "*" as principal', () => {
    expect(resourcePolicies.length).toBeGreaterThan(0);
    for (const [id, statements] of resourcePolicies) {
      for (const s of statements.filter((x) => x.Effect === 'Allow')) {
        const principal = (s as { Principal?: unknown }).Principal;
        expect([id, principal]).not.toEqual([id, '*']);
        expect([id, principal]).not.toEqual([id, { AWS: '*' }]);
      }
    }
  });

  it('no function has a public URL or a resource policy for another account', () => {
    expect(Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::Url')).toEqual([]);
    for (const permission of Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission')) {
      expect(permission.Properties.Principal).not.toBe('*');
    }
  });
});

describe('append-only audit log and write-once seal anchors', () => {
  const appenders = ['collect', 'purge', 'refresh-shard', 'expire', 'erase', 'export', 'query', 'publication'];

  it.each(appenders)('%s may only put items on the audit table (conditional puts): no update, delete or batch write', (job) => {
    const audit = onAuditTable(jobStatements(job));
    expect(canDo(audit, 'dynamodb:PutItem')).toBe(true);
    for (const action of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteTable', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete']) {
      expect([action, canDo(audit, action)]).toEqual([action, false]);
    }
  });

  it.each(appenders)('%s signs and puts seal anchors, and cannot read, delete or unlock one', (job) => {
    const seals = sealRole(job);
    for (const action of ['s3:PutObject', 's3:PutObjectRetention', 'kms:Sign', 'kms:GetPublicKey']) expect([action, canDo(seals, action)]).toEqual([action, true]);
    for (const action of ['s3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutObjectLegalHold', 's3:PutBucketObjectLockConfiguration', 'kms:ScheduleKeyDeletion']) {
      expect([action, canDo(seals, action)]).toEqual([action, false]);
    }
  });

  it('the compliance check reads the anchors and the public key only; certify signs; other jobs touch neither', () => {
    expect([...allowedActions(sealRole('verify'))].sort()).toEqual(['kms:GetPublicKey', 's3:GetObject', 's3:ListBucket']);
    expect([...allowedActions(sealRole('certify'))].sort()).toEqual(['kms:GetPublicKey', 'kms:Sign']);
    for (const job of ['audit-query', 'report', 'quota-plan']) expect([job, sealRole(job)]).toEqual([job, []]);
  });

  it('no role at all may delete an anchor or the signing key, and members get nothing on them', () => {
    for (const job of stack.jobs.functions.keys()) {
      for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 'kms:ScheduleKeyDeletion', 'kms:DisableKey']) {
        expect([job, action, canDo(sealRole(job), action)]).toEqual([job, action, false]);
      }
    }
    for (const member of stack.labAccess.memberRoles.keys()) expect(memberRole(member).filter(onSeals)).toEqual([]);
  });
});
