/**
 * The corpus of bad project configs and collection specs (issue 3: "at least 20 bad configs and specs, each
 * rejected with a message naming the field, with nothing written"). Each case is a variant of the documented
 * example, so everything but the one fault is valid. Shared by the parser's unit test
 * (test/unit/config/config.test.ts) and the CLI's (test/integ/cli/bad-config.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ConfigDoc = Record<string, any>;

/** The documented example (examples/steward.config.json), parsed fresh. */
export const EXAMPLE_CONFIG: ConfigDoc = JSON.parse(readFileSync(join(__dirname, '../../examples/steward.config.json'), 'utf8'));

/** The example with one change. */
export const variant = (mutate: (doc: ConfigDoc) => void): ConfigDoc => {
  const doc = structuredClone(EXAMPLE_CONFIG);
  mutate(doc);
  return doc;
};

/** A bad config: what is wrong, the document, the JSON path its message must name, a word of the fix. */
export type BadConfigCase = readonly [what: string, doc: ConfigDoc, path: string, fix: RegExp];

/** Bad configs and specs, one fault each. */
export const BAD_CONFIGS: readonly BadConfigCase[] = [
  ['missing project', variant((d) => delete d.project), '$.project', /required/],
  ['end date not a date', variant((d) => (d.project.endDate = '30/06/2027')), '$.project.endDate', /YYYY-MM-DD/],
  ['end date impossible', variant((d) => (d.project.endDate = '2027-02-30')), '$.project.endDate', /real calendar date/],
  ['project id with capitals', variant((d) => (d.project.id = 'Climate Talk')), '$.project.id', /a-z/],
  ['unknown top-level field', variant((d) => (d.colour = 'blue')), '$', /unknown field.*colour/],
  ['no members', variant((d) => (d.members = [])), '$.members', /at least|>=1|too small/i],
  ['eleven members', variant((d) => (d.members = Array.from({ length: 11 }, (_, i) => ({ name: `member-${i}`, role: i ? 'researcher' : 'pi' })))), '$.members', /at most 10/],
  ['two PIs', variant((d) => (d.members[1].role = 'pi')), '$.members', /exactly one member/],
  ['bad role', variant((d) => (d.members[1].role = 'admin')), '$.members[1].role', /"pi" or "researcher"/],
  ['duplicate member', variant((d) => (d.members[1].name = 'ada')), '$.members[1].name', /duplicate/],
  ['bad IAM ARN', variant((d) => (d.members[0].iamPrincipalArn = 'ada@lab')), '$.members[0].iamPrincipalArn', /IAM user or role ARN/],
  ['secret inline', variant((d) => (d.sources.research.credentials = { clientSecret: 'hunter2' })), '$.sources.research.credentials', /never the secret itself/],
  ['unknown api', variant((d) => (d.sources.research.api = 'tiktok-display')), '$.sources.research.api', /tiktok-research/],
  ['reserve out of range', variant((d) => (d.sources.research.refreshReserve = 1.5)), '$.sources.research.refreshReserve', /0\.95|<=|too big/i],
  ['no sources', variant((d) => (d.sources = {})), '$.sources', /at least one source/],
  ['spec with unknown source', variant((d) => (d.specs[0].source = 'nope')), '$.specs[0].source', /define it under "sources"/],
  ['ad spec on research source', variant((d) => (d.specs[2].source = 'research')), '$.specs[2].source', /tiktok-commercial/],
  ['bad schedule', variant((d) => (d.specs[0].schedule = 'every day')), '$.specs[0].schedule', /rate\(1 day\)/],
  ['bad kind', variant((d) => (d.specs[0].kind = 'photo')), '$.specs[0].kind', /video/],
  ['window start after end', variant((d) => (d.specs[0].window = { start: '2026-03-01', end: '2026-02-01' })), '$.specs[0].window', /not be after/],
  ['window both forms', variant((d) => (d.specs[0].window = { rollingDays: 3, start: '2026-03-01' })), '$.specs[0].window', /unknown field.*start/],
  ['max count above the API limit', variant((d) => (d.specs[0].maxCount = 500)), '$.specs[0].maxCount', /100|too big/i],
  ['comment spec with missing parent', variant((d) => (d.specs[1].parentSpec = 'other-videos')), '$.specs[1].parentSpec', /must name a video spec/],
  ['duplicate spec name', variant((d) => (d.specs[2].name = 'climate-videos')), '$.specs[2].name', /duplicate spec/],
  ['search term too long', variant((d) => (d.specs[2].searchTerm = 'x'.repeat(51))), '$.specs[2].searchTerm', /50 characters/],
  ['lowercase country', variant((d) => (d.specs[2].countries = ['de'])), '$.specs[2].countries[0]', /two capital letters/],
  ['object lock', variant((d) => (d.storage = { objectLock: true })), '$.storage.objectLock', /block the deletions/],
  ['backup retention', variant((d) => (d.storage = { backupRetentionDays: 35 })), '$.storage.backupRetentionDays', /backup/],
  ['the publication notice period in the project (moved to the policy)', variant((d) => (d.project.publicationNoticeDays = 60)), '$.project.publicationNoticeDays', /policy data now: .*"policies": \{ "tiktok-research": \{ "version": 2, "publicationNoticeDays": N/],
  ['a notice period change without version bump', variant((d) => (d.policies = { 'tiktok-research': { version: 1, publicationNoticeDays: 60 } })), '$.policies.tiktok-research.version', /set "version": 2/],
  ['policy change without version bump', variant((d) => (d.policies = { 'tiktok-research': { version: 1, refreshWithinDays: 10 } })), '$.policies.tiktok-research.version', /set "version": 2/],
  // A standing export (issue 14): its fields are checked at config load and cdk synth, not when its schedule fires.
  ['standing export: unknown field', variant((d) => (d.specs[0].export = { schedule: 'rate(7 days)', fields: ['id', 'likes'] })), '$.specs[0].export.fields[1]', /"likes" is not a field of a video; fields: id, create_time, username/],
  ['standing export: unknown format', variant((d) => (d.specs[0].export = { schedule: 'rate(7 days)', format: 'xlsx' })), '$.specs[0].export.format', /parquet, csv, jsonl/],
  // The video query grammar (issue 11 section 3 / issue 12): checked at config load and cdk synth, not at collect.
  ['query: unknown operation', variant((d) => (d.specs[0].query = { and: [{ operation: 'LIKE', field_name: 'hashtag_name', field_values: ['climate'] }] })), '$.specs[0].query.and[0].operation', /unknown operation "LIKE"; use one of EQ, IN/],
  ['query: unknown field', variant((d) => (d.specs[0].query = { and: [{ operation: 'EQ', field_name: 'likes', field_values: ['1'] }] })), '$.specs[0].query.and[0].field_name', /unknown field_name "likes"/],
  ['query: empty values', variant((d) => (d.specs[0].query = { and: [{ operation: 'IN', field_name: 'region_code', field_values: [] }] })), '$.specs[0].query.and[0].field_values', /at least one value/],
  ['query: a number value', variant((d) => (d.specs[0].query = { and: [{ operation: 'EQ', field_name: 'video_id', field_values: [7320768196569599275] }] })), '$.specs[0].query.and[0].field_values[0]', /must be strings/],
  ['query: EQ with two values', variant((d) => (d.specs[0].query = { and: [{ operation: 'EQ', field_name: 'region_code', field_values: ['DE', 'FR'] }] })), '$.specs[0].query.and[0].field_values', /EQ takes exactly one value.*use IN/],
  ['query: no conditions', variant((d) => (d.specs[0].query = { and: [] })), '$.specs[0].query', /at least one of "and", "or", "not" must hold a condition/],
  ['query: lower-case region', variant((d) => (d.specs[0].query = { and: [{ operation: 'IN', field_name: 'region_code', field_values: ['de'] }] })), '$.specs[0].query.and[0].field_values[0]', /2 upper-case letters/],
  ['query: impossible date', variant((d) => (d.specs[0].query = { and: [{ operation: 'GTE', field_name: 'create_date', field_values: ['20260230'] }] })), '$.specs[0].query.and[0].field_values[0]', /YYYYMMDD/],
  ['query: unknown key', variant((d) => (d.specs[0].query = { all: [{ operation: 'EQ', field_name: 'region_code', field_values: ['DE'] }] })), '$.specs[0].query', /unknown field\(s\) "all"/],
  ['query: # in a hashtag', variant((d) => (d.specs[0].query = { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['#climate'] }] })), '$.specs[0].query.and[0].field_values[0]', /without the leading "#": use "climate"/],
  ['policy refresh interval zero', variant((d) => (d.policies = { 'tiktok-research': { version: 2, refreshWithinDays: 0 } })), '$.policies.tiktok-research.refreshWithinDays', />=1|too small/i],
];
