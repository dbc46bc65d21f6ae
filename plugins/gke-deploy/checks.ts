// gke-deploy's checks beyond the schema: across settings, and the workspace (the templates,
// the secret template). They run with the schema's own checks (resolveSettings in
// settings.ts), so every problem is reported at once, and then see only the settings that
// passed the schema: none is taken to be present.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SettingIssue } from '../../common/errors.ts';
import { checkClusterAccess } from '../../common/kube/access-check.ts';
import { kustomizeProblems } from './kustomize.ts';
import { findTemplateFiles } from './manifests.ts';
import type { RawSettings } from './settings.ts';

/** The checks of a step whose workspace (where relative paths start) is `workspace`. */
export function checkSettings(
  s: Partial<RawSettings>,
  source: (setting: string) => string,
  invalid: ReadonlySet<string>,
  workspace: string,
): SettingIssue[] {
  const issues = checkClusterAccess(s, source, invalid);
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  if (s.wait_seconds !== undefined && s.timeout !== '5m') {
    issue('wait_seconds', 'set "timeout" or "wait_seconds", not both');
  }
  if (s.kustomize !== undefined && s.template !== undefined) {
    issue('kustomize', 'set "kustomize" or "template", not both: the manifests come from one of them');
  } else if (s.kustomize !== undefined) {
    for (const problem of kustomizeProblems(s.kustomize, workspace)) issue('kustomize', problem);
  } else if (!invalid.has('kustomize') && !invalid.has('template')) {
    const templates = s.template ?? ['.kube.yml'];
    for (const problem of findTemplateFiles(templates, workspace).problems) issue('template', problem);
  }
  if (s.secret_template !== undefined) {
    const path = resolve(workspace, s.secret_template);
    if (existsSync(path) && statSync(path).isDirectory())
      issue('secret_template', `${s.secret_template} is a folder; name one file`);
  }
  return issues;
}
