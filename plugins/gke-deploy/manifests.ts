// Template files -> rendered Kubernetes objects, with file:line in every error.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SettingsError } from '../../common/errors.ts';
import { lineAt, renderTemplate, TemplateError } from './template.ts';

export interface Manifest {
  /** The parsed object (mutable: images, provenance and strategy are set on it). */
  doc: Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };
  file: string;
  line: number;
}

const YAML_FILE = /\.ya?ml$/;

/**
 * Files named by the `template` setting: files as given, folders expanded (sorted,
 * recursive); and what is wrong with the setting: each path that does not exist, or no
 * YAML file at all.
 */
export function findTemplateFiles(
  paths: readonly string[],
  workspace: string,
): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (YAML_FILE.test(entry)) files.push(full);
    }
  };
  for (const p of paths) {
    const full = resolve(workspace, p);
    if (!existsSync(full)) {
      problems.push(`${p} does not exist in the workspace; set "template" to your manifest file or folder`);
    } else if (statSync(full).isDirectory()) walk(full);
    else files.push(full);
  }
  if (problems.length === 0 && files.length === 0)
    problems.push(
      `no .yml or .yaml files in ${paths.join(', ')}; add your manifests, or point "template" at them`,
    );
  return { files, problems };
}

/** The template files, or a SettingsError with every problem of the `template` setting. */
export function templateFiles(
  paths: readonly string[],
  workspace: string,
  variable = 'PLUGIN_TEMPLATE',
): string[] {
  const { files, problems } = findTemplateFiles(paths, workspace);
  if (problems.length > 0)
    throw new SettingsError(problems.map((problem) => ({ setting: 'template', variable, problem })));
  return files;
}

/** Renders and parses one template file into manifests. */
export function loadManifests(file: string, data: Record<string, unknown>, workspace: string): Manifest[] {
  const shown = relative(workspace, file) || file;
  return parseManifests(renderTemplate(readFileSync(file, 'utf8'), data, shown), shown);
}

/** YAML documents (rendered templates, or kustomize's output) as manifests; errors name `shown`:line. */
export function parseManifests(rendered: string, shown: string): Manifest[] {
  const out: Manifest[] = [];
  for (const d of parseAllDocuments(rendered)) {
    const err = d.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? lineAt(rendered, err.pos[0]);
      throw new TemplateError(`${shown}:${line}: invalid YAML: ${err.message.split('\n')[0]}`);
    }
    const doc = d.toJS() as Manifest['doc'] | null;
    if (doc === null || doc === undefined) continue;
    const line = lineAt(rendered, d.contents?.range?.[0] ?? d.range[0]);
    if (
      typeof doc !== 'object' ||
      Array.isArray(doc) ||
      typeof doc.kind !== 'string' ||
      typeof doc.metadata?.name !== 'string'
    ) {
      throw new TemplateError(`${shown}:${line}: a manifest needs "kind" and "metadata.name"`);
    }
    out.push({ doc, file: shown, line });
  }
  return out;
}
