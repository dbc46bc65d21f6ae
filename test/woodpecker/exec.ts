// `woodpecker-cli exec` on Podman's Docker API (test/drone/podman-service.ts), for the
// Woodpecker runs beside test/drone/'s Drone run. The binary comes from WOODPECKER_CLI:
// nothing here builds it (the module proxy this project uses answers 403 for
// go.woodpecker-ci.org, see README.md). Plugin steps run the images of npm run test:images
// with this checkout's bundle mounted over the image's own (/opt/plugin), so a run tests the
// code here without rebuilding the shared image store.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ExecResult {
  code: number;
  output: string;
}

/** The woodpecker-cli binary to run, or undefined (the tests skip). */
export function woodpeckerCli(): string | undefined {
  return process.env.WOODPECKER_CLI || undefined;
}

/** A workspace with `pipeline` as .woodpecker.yml, open to the images' non-root user. */
export function workspaceWith(pipeline: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dgp-woodpecker-ws-'));
  writeFileSync(join(dir, '.woodpecker.yml'), pipeline);
  chmodSync(dir, 0o777);
  return dir;
}

/** The folder of a bundle's entry (index.js), to mount at /opt/plugin, opened to the images' user. */
export function bundleFolder(entry: string): string {
  const dir = dirname(entry);
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Runs the workspace's .woodpecker.yml with `woodpecker-cli exec --local` (the folder as the
 * clone), the Docker backend on `dockerHost`, trusted for host networking and volumes.
 */
export function execPipeline(
  cli: string,
  opts: { dockerHost: string; workspace: string; secrets: Record<string, string>; flags?: string[] },
): Promise<ExecResult> {
  const secretsFile = join(mkdtempSync(join(tmpdir(), 'dgp-woodpecker-secrets-')), 'secrets.yml');
  writeFileSync(
    secretsFile,
    Object.entries(opts.secrets)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const args = [
    'exec',
    '--local',
    '--backend-engine',
    'docker',
    '--repo-trusted-network',
    '--repo-trusted-volumes',
    '--secrets-file',
    secretsFile,
    '--repo',
    'acme/web',
    ...(opts.flags ?? []),
    '.woodpecker.yml',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, {
      cwd: opts.workspace,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DOCKER_HOST: opts.dockerHost },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(dirname(secretsFile), { recursive: true, force: true });
      resolve({ code: code ?? 1, output });
    });
  });
}
