/** Reading and validating the project file. Every problem is reported at once, with its JSON path and a fix. */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { BadInputError } from '../domain/errors';
import { parseJson } from '../domain/json';
import { CheckedPolicySchema, DEFAULT_POLICIES, POLICY_IDS, type Policy, type PolicyId } from '../domain/policy';
import { ProjectConfigSchema, type ProjectConfig } from './schema';

/** `$.specs[2].window.start` */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${String(part)}`), '$');
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `${jsonPath(issue.path)}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove them or check the spelling (see examples/steward.config.json)`;
    }
    if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      return `${jsonPath(issue.path)}: required field is missing (expected ${issue.expected})`;
    }
    return `${jsonPath(issue.path)}: ${issue.message}`;
  });
}

/** Validate an already parsed document. */
export function parseProjectConfig(document: unknown, origin = 'config'): ProjectConfig {
  const result = ProjectConfigSchema.safeParse(document);
  if (!result.success) throw new BadInputError(`${origin} is invalid:`, formatIssues(result.error.issues));
  // Resolving the policies validates the overrides too.
  effectivePolicies(result.data, origin);
  return result.data;
}

/** Read and validate `steward.config.json`. */
export async function loadProjectConfig(file: string): Promise<ProjectConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BadInputError(`cannot read config file ${file}: ${(error as Error).message}; pass --config FILE or copy examples/steward.config.json`);
  }
  let document: unknown;
  try {
    document = parseJson(text);
  } catch (error) {
    throw new BadInputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseProjectConfig(document, file);
}

/**
 * The policies in force: defaults merged with the config's overrides. An override that changes a duty must
 * raise the version, so records stamped under the old version can be found and re-computed.
 */
export function effectivePolicies(config: ProjectConfig, origin = 'config'): Record<PolicyId, Policy> {
  const problems: string[] = [];
  const out = {} as Record<PolicyId, Policy>;
  for (const id of POLICY_IDS) {
    const base = DEFAULT_POLICIES[id];
    const override = config.policies[id];
    if (!override) {
      out[id] = base;
      continue;
    }
    const merged = CheckedPolicySchema.safeParse({ ...base, ...override, confirmation: { ...base.confirmation, ...override.confirmation }, purgeFuse: { ...base.purgeFuse, ...override.purgeFuse }, id });
    if (!merged.success) {
      problems.push(...formatIssues(merged.error.issues.map((i) => ({ ...i, path: ['policies', id, ...i.path] }))));
      continue;
    }
    const changed = JSON.stringify({ ...merged.data, version: 0 }) !== JSON.stringify({ ...base, version: 0 });
    if (changed && merged.data.version <= base.version) {
      problems.push(`$.policies.${id}.version: a policy that changes a duty needs a version above ${base.version}; set "version": ${base.version + 1}`);
    }
    out[id] = merged.data;
  }
  if (problems.length > 0) throw new BadInputError(`${origin} is invalid:`, problems);
  return out;
}

/** The policy that governs records of a source's API. */
export function policyIdForApi(api: 'tiktok-research' | 'tiktok-commercial'): PolicyId {
  return api;
}

export function projectEnd(config: ProjectConfig): Date {
  // The project ends at the end of its last day (UTC).
  return new Date(`${config.project.endDate}T23:59:59.999Z`);
}

/** Until when a seal anchor stays write-once: the project end plus `storage.sealAnchorTailDays`. */
export function sealAnchorRetainUntil(config: ProjectConfig): Date {
  return new Date(projectEnd(config).getTime() + config.storage.sealAnchorTailDays * 86_400_000);
}
