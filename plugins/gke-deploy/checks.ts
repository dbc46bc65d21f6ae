// gke-deploy's checks beyond the schema: across settings, and the workspace (the templates,
// the secret template). They run with the schema's own checks (resolveSettings in
// settings.ts), so every problem is reported at once, and then see only the settings that
// passed the schema: none is taken to be present.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SettingIssue } from '../../common/errors.ts';
import { checkClusterAccess } from '../../common/kube/access-check.ts';
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
  if (s.template !== undefined) {
    for (const problem of findTemplateFiles(s.template, workspace).problems) issue('template', problem);
  }
  if (s.secret_template !== undefined) {
    const path = resolve(workspace, s.secret_template);
    if (existsSync(path) && statSync(path).isDirectory())
      issue('secret_template', `${s.secret_template} is a folder; name one file`);
  }
  return issues;
}
