// The `kustomize` setting: each folder rendered by `kubectl kustomize` (the kubectl already
// in the image; no kustomize binary), its output parsed as manifests that then go through
// the same images, provenance, rolling-update policy and rollout as templates. Problems
// name the setting and the kustomization file.
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ExecError, errorMessage, SettingsError } from '../../common/errors.ts';
import type { Exec } from '../../common/exec.ts';
import { type Manifest, parseManifests } from './manifests.ts';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The kustomization file of `dir` (relative to the workspace), or undefined when it has none. */
function kustomizationFile(dir: string, workspace: string): string | undefined {
  const full = resolve(workspace, dir);
  const name = KUSTOMIZATION_FILES.find((f) => existsSync(join(full, f)));
  return name ? relative(workspace, join(full, name)) || name : undefined;
}

/** What is wrong with the `kustomize` folders before anything runs: missing, or no kustomization. */
export function kustomizeProblems(dirs: readonly string[], workspace: string): string[] {
  return dirs.flatMap((dir) => {
    const full = resolve(workspace, dir);
    if (!existsSync(full) || !statSync(full).isDirectory()) {
      return [`${dir} is not a folder in the workspace; name the folder that holds kustomization.yaml`];
    }
    return kustomizationFile(dir, workspace)
      ? []
      : [
          `${dir} has no kustomization.yaml (or kustomization.yml, Kustomization); add one, or use "template"`,
        ];
  });
}

/** kubectl's own words, without its usage text: the line that says what is wrong. */
function kustomizeError(err: unknown): string {
  const text = err instanceof ExecError ? err.stderrTail || errorMessage(err) : errorMessage(err);
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Usage:'))
    .slice(0, 3)
    .join(' ')
    .replace(/^error: /, '');
}

export interface KustomizeDeps {
  exec: Exec;
  kubectl: string;
  workspace: string;
  /** The variable `kustomize` came from. */
  variable: string;
}

/** Every folder rendered with `kubectl kustomize`, in order; a failure is the setting's problem, naming the file. */
export async function renderKustomizations(
  dirs: readonly string[],
  deps: KustomizeDeps,
): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const dir of dirs) {
    const file = kustomizationFile(dir, deps.workspace) ?? dir;
    let stdout: string;
    try {
      ({ stdout } = await deps.exec({
        command: deps.kubectl,
        args: ['kustomize', resolve(deps.workspace, dir)],
        cwd: deps.workspace,
      }));
    } catch (err) {
      const problem = `${file}: kubectl kustomize failed: ${kustomizeError(err)}`;
      throw new SettingsError([{ setting: 'kustomize', variable: deps.variable, problem }]);
    }
    out.push(...parseManifests(stdout, `${file} (kustomize)`));
  }
  return out;
}
