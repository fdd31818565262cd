/**
 * The demo's lifecycle, narrated: collect three specs, let 16 days pass, refresh (purging what the platform deleted),
 * erase one account, plan the quota, write the compliance report and a deletion certificate, query the audit log
 * for a purged record, and verify. It runs the very jobs and renderers the CLI runs, on the embedded services.
 * `npm run demo` runs it on a sample world; the demo test runs it on a small one. A step that fails throws.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseProjectConfig } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { MS_PER_DAY } from '../../lib/domain/clock';
import { parseJson } from '../../lib/domain/json';
import { recordKeyOf, type ActiveRecord, type RecordKey } from '../../lib/domain/records';
import type { WorldOptions } from '../../lib/emulator';
import { queryAudit } from '../../lib/jobs/audit-query';
import { collect, type CollectReport } from '../../lib/jobs/collect';
import { erase } from '../../lib/jobs/erase';
import { quotaPlan } from '../../lib/jobs/quota-plan';
import { refresh, type RefreshReport } from '../../lib/jobs/refresh';
import { listHolds, releaseHold } from '../../lib/jobs/holds';
import { decisionText, holdsText } from './holds-command';
import { openLocalRuntime, type LocalRuntime } from '../../lib/local/runtime';
import { DUE_SHARDS } from '../../lib/store/tables';
import { auditText } from './audit-command';
import { markdownPathOf, opensslCommand, publicKeyPathOf, runCertify, signaturePathOf } from './certify-command';
import { collectText, terminalProgress } from './collect-command';
import { eraseText } from './erase-command';
import { jobProgress } from './job-progress';
import type { CliIo } from './output';
import { quotaPlanText } from './quota-command';
import { refreshText } from './refresh-command';
import { runReport } from './report-command';
import type { ComplianceReport } from '../../lib/jobs/report';
import { attritionReport, attritionText, type AttritionReport } from '../../lib/jobs/attrition';
import { calendarText, obligationsCalendar, type CalendarReport } from '../../lib/jobs/calendar';
import { calendarIcs } from '../../lib/jobs/calendar-ics';
import { runVerify } from './verify-command';
import { SYNTHETIC_NOTICE } from './runtime';
import { exportAndPull, showRebuildsAndRelease, type DemoExports, type DemoRebuilds } from './demo-exports';
import { runQuery } from '../../lib/jobs/query';
import { inPlacePartFiles } from '../../lib/local/export-files';
import { resultTable } from './query-output';

/** One research question over the current exports, as `steward query --local` answers it (DuckDB, audited). */
const DEMO_QUERY = 'SELECT region_code, count(*) AS videos, median(view_count) AS median_views FROM videos GROUP BY region_code ORDER BY videos DESC, region_code LIMIT 3';

async function askTheCorpus(runtime: LocalRuntime, say: (text: string) => void): Promise<void> {
  const answer = await runQuery({ ...runtime.ctx, actor: { type: 'researcher', name: 'grace' } }, { sql: DEMO_QUERY }, { files: inPlacePartFiles(runtime.services.s3.directory, runtime.bucket) });
  say(`grace asks the corpus where it lives (\`steward query\`: DuckDB over the current exports, so the purged records are in no answer; audited as query.run with the SQL's keyed digest, never its text):`);
  say(`  ${DEMO_QUERY}`);
  say(resultTable(answer, 3).replace(/^/gm, '    '));
}

/** The sample project: a 45-day hashtag collection, its comments, and ads in two EU countries. */
export const SAMPLE_CONFIG = {
  project: { id: 'demo-climate', title: 'Demo: climate talk on TikTok', endDate: '2026-12-31' },
  members: [
    { name: 'ada', role: 'pi' },
    { name: 'grace', role: 'researcher' },
  ],
  sources: {
    research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'TIKTOK_CLIENT_KEY', clientSecretEnv: 'TIKTOK_CLIENT_SECRET' } },
    ads: { api: 'tiktok-commercial', credentials: { clientKeyEnv: 'TIKTOK_CLIENT_KEY', clientSecretEnv: 'TIKTOK_CLIENT_SECRET' } },
  },
  specs: [
    {
      name: 'climate-videos',
      source: 'research',
      kind: 'video',
      query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] },
      window: { rollingDays: 45 },
      schedule: 'rate(1 day)',
    },
    { name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 20, schedule: 'rate(1 day)' },
    { name: 'eu-climate-ads', source: 'ads', kind: 'ad', countries: ['DE', 'FR'], window: { rollingDays: 30 }, schedule: 'rate(1 day)' },
  ],
};

export interface DemoOptions {
  readonly stateDir: string;
  /** The emulator's synthetic world (smaller in the test). */
  readonly world: Partial<WorldOptions>;
  readonly start: Date;
  readonly io: CliIo;
}

/** What the demo did, for its test. */
export interface DemoSummary {
  readonly collected: number;
  readonly refresh: RefreshReport;
  /** Records the platform deleted or hid, purged by the refresh (with what cascaded). */
  readonly purgedUnavailable: readonly RecordKey[];
  readonly erased: { readonly recordHash: string; readonly purged: number };
  readonly files: { readonly reportMd: string; readonly reportHtml: string; readonly certificate: string };
  /** The compliance report's status badge, as the report prints it. */
  readonly badge: string;
  readonly verifyExitCode: number;
  readonly attrition: AttritionReport;
  readonly calendar: CalendarReport;
  readonly exports: DemoExports & DemoRebuilds;
}

/** Days the demo lets pass: one more than the research policy's 15-day refresh window. */
const DAYS_LATER = 16;
/**
 * The demo's simulated outage: on these days (when most records come due) the emulator answers every lookup with
 * none of the asked records (fault `emptyLookupRate`). Three misses 12 h apart confirm a record gone, so the third
 * day's sweep would purge the whole due set; the purge fuse holds it instead. The outage ends that day, and
 * RELEASE_AFTER_HOURS after the sweep the PI releases the hold: the release re-checks the held records, purges those
 * really gone (the platform's natural deletions) and keeps the rest. (Released that day, the natural purges are
 * overdue on grace's pulled copy by the end of the sweeps, as the export step shows.) The release keeps the records
 * the API serves again "due now"; deployed, the next hourly sweep refreshes them within the hour, so the demo runs
 * that sweep right after the release. (Without it, the next daily sweep would refresh them after their deadline: the
 * outage spends the whole 72 h refresh lead time.)
 */
const OUTAGE_DAYS = [12, 13, 14];
const RELEASE_AFTER_HOURS = 6;

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { io } = options;
  const say = (text = '') => io.stdout(text);
  const step = (n: number, title: string) => say(`\n== ${n}. ${title}`);
  const stateDir = resolve(options.stateDir);
  const reportsDir = join(stateDir, 'reports');
  await mkdir(reportsDir, { recursive: true });

  step(1, 'Configure a sample project');
  const configFile = join(stateDir, 'steward.config.json');
  await writeFile(configFile, `${JSON.stringify(SAMPLE_CONFIG, null, 2)}\n`);
  const config: ProjectConfig = parseProjectConfig(SAMPLE_CONFIG, configFile);
  say(`Project "${config.project.title}" ends ${config.project.endDate}; ${config.members.length} lab members; config in ${relative(process.cwd(), configFile)}`);
  for (const spec of config.specs) say(`  spec ${spec.name}: ${spec.kind} from source "${spec.source}", ${spec.schedule}`);

  const runtime = await openLocalRuntime({ config, stateDir, platform: 'emulator', now: options.start, actor: { type: 'schedule', name: 'schedule' }, collectorVersion: 'steward/demo', emulator: { world: options.world } });
  try {
    say(`Started DynamoDB Local, S3 (s3rver) and the TikTok API emulator (${runtime.emulator!.url}); the clock reads ${runtime.clock.now().toISOString()}.`);
    say(SYNTHETIC_NOTICE);

    step(2, 'Collect: videos by hashtag over 45 days, their comments, ads in DE and FR');
    const collected = await collectAll(runtime, io);
    say(collectText(collected));
    const before = await activeRecords(runtime);
    say(`The ledger holds ${before.length} records, each with its provenance and its refresh deadline; one JSON object per record in S3.`);
    const exported = await exportAndPull(runtime.ctx, stateDir, say);

    step(3, `${DAYS_LATER} days pass: the scheduled refresh sweep`);
    say(`Every record must be re-checked within 15 days; meanwhile the platform deletes or hides some videos. The sweep runs every hour when deployed; here it runs once a day.`);
    const report = await sweepDaily(runtime, io, say);
    say(`All ${DAYS_LATER} days together:`);
    say(refreshText(report));
    const after = await runtime.ctx.ledger.getRecords(before.map((r) => r.ref));
    const purgedUnavailable = before.map((r) => recordKeyOf(r.ref)).filter((key) => after.get(key)?.status === 'tombstoned');
    const purgedVideos = purgedUnavailable.filter((key) => key.includes(':video:'));
    say(
      `Refreshed ${report.unchanged + report.changed + report.validated} records (${report.changed} changed and rewritten, ${report.unchanged} unchanged: only their due date moved). ` +
        `Purged ${purgedUnavailable.length} records the platform no longer serves, on confirmed evidence or with their video: ${purgedVideos.length} video(s) and ${purgedUnavailable.length - purgedVideos.length} comment(s)` +
        `${report.held > 0 ? ` (the sweeps held ${report.held} during the outage; the PI's release re-checked them and purged only these)` : ''}.`,
    );
    if (purgedVideos.length === 0) throw new Error('the refresh purged no video: the emulator deletes and hides some every day, so the sweep missed them');
    say('Deletion reaches every copy:');
    const rebuilds = await showRebuildsAndRelease(runtime.ctx, exported, say);
    await askTheCorpus(runtime, say);

    step(4, 'An erasure request: everything of one account');
    const target = before.find((r) => r.ref.kind === 'video' && after.get(recordKeyOf(r.ref))?.status === 'active')!;
    const username = await authorOf(runtime, target);
    const erased = await erase({ ...runtime.ctx, actor: { type: 'researcher', name: 'ada' } }, { user: username }, { progress: jobProgress(io, false, 'erase').sink });
    say(`ada files "erase everything by the account that posted video ${target.ref.id}" (the log knows the account only by its keyed hash):`);
    say(eraseText(erased));

    step(5, 'The quota plan: compliance first');
    say(quotaPlanText(await quotaPlan(runtime.ctx)));

    step(6, 'The compliance report and a proof of deletion');
    const reportMd = join(reportsDir, 'compliance-report.md');
    const reportHtml = join(reportsDir, 'compliance-report.html');
    const certificate = join(reportsDir, 'deletion-certificate.json');
    let badge = '';
    for (const [format, out] of [['md', reportMd], ['html', reportHtml]] as const) {
      const result = await runReport(runtime.ctx, { format, out });
      if (result.exitCode !== 0) throw new Error(`the compliance report found overdue obligations:\n${result.text}`);
      badge = (result.json as ComplianceReport).badge.text;
    }
    const certified = await runCertify(runtime.ctx, { records: [purgedVideos[0]!, recordKeyOf(target.ref)] }, certificate);
    if (certified.exitCode !== 0) throw new Error(`the deletion certificate does not prove the deletions:\n${certified.text}`);
    say(`The report's badge: ${badge}`);
    say(`Report (Markdown and self-contained HTML with charts) and a signed certificate for two deleted videos (one the platform deleted, one erased):`);
    for (const file of [reportMd, reportHtml, certificate, signaturePathOf(certificate), publicKeyPathOf(certificate), markdownPathOf(certificate)]) say(`  ${relative(process.cwd(), file)}`);
    const signer = await runtime.ctx.signer!.publicKey();
    say(`Anyone can check the certificate without Steward (signed by key ${signer.fingerprint}):`);
    say(`  ${opensslCommand(relative(process.cwd(), certificate))}`);
    const attrition = await attritionReport(runtime.ctx);
    say('\nAttrition of the sample: how much of each spec left the store and why, and how fast videos vanish by age since posting (`steward report attrition`):');
    say(attritionText(attrition));
    const calendarIcsFile = join(reportsDir, 'obligations.ics');
    const calendar = await obligationsCalendar(runtime.ctx, { days: 30 });
    await writeFile(calendarIcsFile, calendarIcs(calendar));
    say(`\nThe lab's obligations for the next 30 days (\`steward calendar --ics\`; ${relative(process.cwd(), calendarIcsFile)} imports into any calendar):`);
    say(calendarText(calendar));

    step(7, `The audit log: what happened to ${purgedVideos[0]}?`);
    const history = await queryAudit(runtime.ctx, { by: 'record', record: purgedVideos[0]! }, { limit: 50 });
    say(auditText(history, { record: purgedVideos[0]!, limit: 50 }));

    step(8, 'Verify: the audit chains, the ledger against storage, every deadline');
    const verified = await runVerify(runtime.ctx, {});
    say(verified.text);
    if (verified.exitCode !== 0) throw new Error('verify found violations');

    step(9, 'Where to look');
    say(runtime.services.describe([runtime.tables.ledger, runtime.tables.audit]));
    // The demo's clock, not today's: on today's clock the demo's records would be long overdue.
    const cli = `npx steward --local --emulator --as ada --config ${relative(process.cwd(), configFile)} --state-dir ${relative(process.cwd(), stateDir) || '.'} --now ${runtime.clock.now().toISOString()}`;
    say(`\nThe services stop with this demo; \`${cli} serve\` brings them back with the same data, and any command runs on it, e.g. \`${cli} audit --action record.purged --since 2026-03-01\`.`);
    return {
      collected: before.length,
      refresh: report,
      purgedUnavailable,
      erased: { recordHash: erased.recordHash, purged: erased.purged },
      files: { reportMd, reportHtml, certificate },
      badge,
      verifyExitCode: verified.exitCode,
      attrition,
      calendar,
      exports: { ...exported, ...rebuilds },
    };
  } finally {
    await runtime.close();
  }
}

async function collectAll(runtime: LocalRuntime, io: CliIo): Promise<CollectReport> {
  const progress = terminalProgress(io, false, 'collect');
  const report = await collect(runtime.ctx, { sourceFor: runtime.sourceFor, progress: progress.sink }).finally(() => progress.stop());
  const unfinished = report.specs.filter((s) => s.outcome !== 'finished');
  if (unfinished.length > 0) throw new Error(`collect did not finish: ${unfinished.map((s) => `${s.spec} (${s.outcome})`).join(', ')}`);
  return report;
}

/**
 * Let DAYS_LATER days pass with one sweep a day; a sweep the daily quota stops goes on after 00:00 UTC, as the
 * schedule would. Returns the counts added up.
 */
async function sweepDaily(runtime: LocalRuntime, io: CliIo, say: (text: string) => void): Promise<RefreshReport> {
  let total: RefreshReport | undefined;
  const start = runtime.clock.now().getTime();
  const lastOutageDay = OUTAGE_DAYS[OUTAGE_DAYS.length - 1]!;
  for (let day = 1; day <= DAYS_LATER; day += 1) {
    runtime.clock.set(new Date(start + day * MS_PER_DAY));
    runtime.emulator?.setFaults({ emptyLookupRate: OUTAGE_DAYS.includes(day) ? 1 : 0 });
    if (day === OUTAGE_DAYS[0]) say(`  ${runtime.clock.now().toISOString().slice(0, 10)}: an outage begins: the API answers every lookup "ok" with none of the records (emulator fault emptyLookupRate 1)`);
    const report = await sweepOnce(runtime, io, say);
    total = total ? addReports(total, report) : report;
    if (day === lastOutageDay) {
      runtime.emulator?.setFaults({ emptyLookupRate: 0 });
      runtime.clock.set(new Date(runtime.clock.now().getTime() + RELEASE_AFTER_HOURS * 3_600_000));
      await releaseAfterOutage(runtime, say);
      runtime.clock.set(new Date(runtime.clock.now().getTime() + 3_600_000));
      say(`  ${runtime.clock.now().toISOString().slice(0, 16).replace('T', ' ')}: the next hourly sweep refreshes what the release kept, before its deadline:`);
      const after = await sweepOnce(runtime, io, say);
      total = addReports(total!, after);
    }
  }
  return total!;
}

/** One refresh sweep at the clock's time, narrated in one line when anything was due. */
async function sweepOnce(runtime: LocalRuntime, io: CliIo, say: (text: string) => void): Promise<RefreshReport> {
  const progress = jobProgress(io, false, 'refresh');
  const report = await refresh(runtime.ctx, { clients: { research: runtime.research, commercial: runtime.commercial }, progress: progress.sink }).finally(() => progress.stop());
  if (report.due > 0) {
    say(
      `  ${runtime.clock.now().toISOString().slice(0, 10)}: ${report.due} due, ${report.unchanged} unchanged, ${report.changed} changed, ${report.missed} missed, ` +
        `${report.purged} purged (+${report.cascaded} with them)${report.held ? `, ${report.held} HELD by the purge fuse` : ''}${report.stopped === 'quota' ? `; daily quota spent, goes on after ${report.resetsAt}` : ''}`,
    );
  }
  return report;
}

/** The outage is over: the PI looks at the holds and releases them (held records are re-checked first). */
async function releaseAfterOutage(runtime: LocalRuntime, say: (text: string) => void): Promise<void> {
  const holds = await listHolds(runtime.ctx, { openOnly: true });
  say(`  ${runtime.clock.now().toISOString().slice(0, 16).replace('T', ' ')}: the outage is over (the API answers again); ${OUTAGE_DAYS.length} sweeps purged nothing of what the API claimed was gone. \`steward purge holds\`:`);
  say(holdsText(holds).replace(/^/gm, '    '));
  if (holds.holds.length === 0) throw new Error('the purge fuse did not trip on a simulated outage');
  for (const hold of holds.holds) {
    const released = await releaseHold({ ...runtime.ctx, actor: { type: 'researcher', name: 'ada' } }, hold.id, { clients: { research: runtime.research, commercial: runtime.commercial }, pollIntervalMs: 0 });
    say(`  ada (the PI) releases it: steward --as ada purge release ${hold.id}`);
    say(decisionText(released).replace(/^/gm, '    '));
  }
}

function addReports(a: RefreshReport, b: RefreshReport): RefreshReport {
  const counts = ['due', 'unchanged', 'changed', 'validated', 'missed', 'failed', 'purged', 'cascaded', 'held', 'completedPending', 'skippedExpired', 'restamped', 'unprocessed', 'alongside'] as const;
  const add = (x: Readonly<Record<string, number>>, y: Readonly<Record<string, number>>) => {
    const out = { ...x };
    for (const [k, n] of Object.entries(y)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const sum = { ...b, requests: add(a.requests, b.requests), failures: add(a.failures, b.failures) } as RefreshReport;
  for (const k of counts) (sum as unknown as Record<string, number>)[k] = a[k] + b[k];
  return sum;
}

/** Every active record, through the due index (the demo's corpus is small). */
async function activeRecords(runtime: LocalRuntime): Promise<ActiveRecord[]> {
  const farFuture = new Date('2999-01-01T00:00:00Z');
  const all: ActiveRecord[] = [];
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await runtime.ctx.ledger.queryDue(shard, farFuture, { limit: 1000, ...(cursor ? { cursor } : {}) });
      all.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
  }
  return all;
}

/** The author's username, read from the stored video (as a researcher would); never printed. */
async function authorOf(runtime: LocalRuntime, video: ActiveRecord): Promise<string> {
  const stored = await runtime.ctx.objects.get(video.objectKey);
  const username = stored ? (parseJson(stored.body.toString('utf8')) as { username?: unknown }).username : undefined;
  if (typeof username !== 'string') throw new Error(`video ${video.ref.id} has no username in its stored object`);
  return username;
}
