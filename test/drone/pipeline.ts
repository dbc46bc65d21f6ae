// Runs examples/.drone.yml against the testbed, for `npm run test:drone` and `npm run demo`:
//
//   - `droneRunner`: the real thing, `drone exec` on Podman's Docker API with the plugin images;
//   - `bundleRunner`: where Podman or the images are missing, the same steps with the same
//     settings (read from the same file, encoded as Drone encodes them) run as the bundles in
//     dist/, one process per step, the way a Drone step would run them.
//
// Both point the unchanged pipeline at the testbed the way one points a pipeline at another
// environment: secrets in a secret file (`--secret-file`: the service-account key, the Slack
// webhook), endpoints in global environment variables (`--env-file`: PLUGIN_GKE_ENDPOINT,
// PLUGIN_TOKEN_URL, PLUGIN_STORAGE_ENDPOINT, PLUGIN_MONITORING_ENDPOINT, NODE_EXTRA_CA_CERTS
// for the testbed CA, mounted with `--volume`). A plugin that has no such setting says once that it ignores it.
// The images and the network come from the Docker API the run is given (docker.ts).
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { TestbedState } from '../testbed/state.ts';
import { APP_PIPELINE_FILE, appModePipeline } from './app-mode.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLES = join(ROOT, 'examples');
export const PIPELINE_FILE = join(EXAMPLES, '.drone.yml');

/** Where the CA bundle is mounted in each step container. */
const CA_IN_CONTAINER = '/etc/drone-testbed/ca.pem';

export interface Build {
  pipeline: 'deploy' | 'rollback';
  /** Drone's build event: tag, push, promote, rollback, … */
  event: string;
  /** For a tag event: the tag (the pipeline deploys registry.local/app:<tag>). */
  tag?: string;
  /** For promote / rollback: the target (`drone build rollback <repo> <build> <target>`). */
  deployTo?: string;
  /** The pipeline file in the workspace (default .drone.yml; app-mode.ts writes another). */
  file?: string;
}

export interface RunResult {
  code: number;
  /** Everything printed; step lines as drone exec prints them: `[<step>:<line of the build>] …`. */
  output: string;
  ms: number;
}

export interface Runner {
  kind: 'drone' | 'bundles';
  run(build: Build, onLine?: (line: string) => void): Promise<RunResult>;
  /** Removes the workspace and the secret files. */
  dispose(): void;
}

/** The images examples/.drone.yml uses, from its `image:` lines. */
export function pipelineImages(): string[] {
  const images = new Set<string>();
  for (const p of readPipelines(readFileSync(PIPELINE_FILE, 'utf8'))) {
    for (const s of p.steps) images.add(s.image);
  }
  return [...images];
}

/**
 * A fresh workspace (what a clone of the repository would be): a copy of examples/, open to
 * the images' non-root user, which writes the deploy summary there.
 */
export function createWorkspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dgp-drone-ws-'));
  cpSync(EXAMPLES, dir, { recursive: true });
  writeFileSync(join(dir, APP_PIPELINE_FILE), appModePipeline(readFileSync(PIPELINE_FILE, 'utf8')));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const open = (p: string) => {
    const st = statSync(p);
    chmodSync(p, st.isDirectory() ? 0o777 : 0o666);
    if (st.isDirectory()) for (const e of readdirSync(p)) open(join(p, e));
  };
  open(dir);
  return dir;
}

/** The secrets the pipeline names with from_secret. */
export function testbedSecrets(tb: TestbedState): Record<string, string> {
  return {
    google_credentials: Buffer.from(readFileSync(tb.credentials.serviceAccountKeyFile)).toString('base64'),
    slack_webhook: tb.slack.webhookUrl,
    // The sink takes any token shaped like a bot token unless a test names the app's tokens.
    slack_bot_token: 'xoxb-testbed-drone-app',
  };
}

/** Global environment that points the pipeline at the testbed instead of Google and Slack. */
export function testbedEnv(tb: TestbedState, caFile: string): Record<string, string> {
  return {
    PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
    PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
    PLUGIN_STORAGE_ENDPOINT: tb.gcs.url,
    // The GKE stand-in also answers Managed Prometheus's query API (analysis_endpoint: managed).
    PLUGIN_MONITORING_ENDPOINT: tb.gke.url,
    // The Slack sink's Web API, for the app mode (a bot token); webhook steps ignore it.
    PLUGIN_API_URL: `${tb.slack.url}/api/`,
    NODE_EXTRA_CA_CERTS: caFile,
  };
}

/** KEY=value lines that godotenv (drone exec's reader) reads back unchanged. */
export function envFile(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (/['\n]/.test(v))
        throw new Error(`${k}: a value with a quote or a newline cannot go into an env file`);
      return `${k}='${v}'\n`;
    })
    .join('');
}

export function spawnLines(
  cmd: string,
  args: readonly string[],
  opts: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutMs: number;
    onLine?: (line: string) => void;
    /** Called for each line, returns its prefix. */
    prefix?: () => string;
  },
): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let partial = '';
    const take = (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const line = `${opts.prefix?.() ?? ''}${l}`;
        output += `${line}\n`;
        opts.onLine?.(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial !== '') {
        const line = `${opts.prefix?.() ?? ''}${partial}`;
        output += `${line}\n`;
        opts.onLine?.(line);
      }
      resolvePromise({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

// ---------------------------------------------------------------- drone exec

export interface DroneRunnerOptions {
  drone: string;
  /** unix://… of the Docker API (docker.ts). */
  dockerHost: string;
  /** More pipeline files for the workspace, beside .drone.yml (pin.ts). */
  files?: Record<string, string>;
}

export function droneRunner(tb: TestbedState, opts: DroneRunnerOptions): Runner {
  const workspace = createWorkspace(opts.files);
  const private_ = mkdtempSync(join(tmpdir(), 'dgp-drone-secrets-'));
  const secretFile = join(private_, 'secrets.env');
  const envFilePath = join(private_, 'testbed.env');
  // The step containers run as a non-root user: they get a world-readable copy of the CA bundle.
  const caFile = join(private_, 'ca.pem');
  copyFileSync(tb.ca.bundle, caFile);
  chmodSync(caFile, 0o644);
  writeFileSync(secretFile, envFile(testbedSecrets(tb)), { mode: 0o600 });
  writeFileSync(envFilePath, envFile(testbedEnv(tb, CA_IN_CONTAINER)), { mode: 0o600 });
  return {
    kind: 'drone',
    async run(build, onLine) {
      const started = Date.now();
      const args = [
        'exec',
        '--pipeline',
        build.pipeline,
        '--event',
        build.event,
        '--pretty=false',
        '--secret-file',
        secretFile,
        '--env-file',
        envFilePath,
        '--volume',
        `${caFile}:${CA_IN_CONTAINER}`,
        ...(build.deployTo ? ['--deploy-to', build.deployTo] : []),
        build.file ?? '.drone.yml',
      ];
      // drone exec substitutes ${DRONE_TAG} in the file from its own environment (a real Drone
      // server takes it from the git ref); every other DRONE_* of the build it sets itself.
      const env: NodeJS.ProcessEnv = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? tmpdir(),
        DOCKER_HOST: opts.dockerHost,
        ...(build.tag ? { DRONE_TAG: build.tag } : {}),
      };
      const r = await spawnLines(opts.drone, args, { cwd: workspace, env, timeoutMs: 600_000, onLine });
      return { ...r, ms: Date.now() - started };
    },
    dispose() {
      rmSync(workspace, { recursive: true, force: true });
      rmSync(private_, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- bundles

interface Step {
  name: string;
  image: string;
  settings: Record<string, unknown>;
  environment: Record<string, unknown>;
  status: string[];
  events: string[] | undefined;
}

interface Pipeline {
  name: string;
  steps: Step[];
}

const asList = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)];

function readPipelines(text: string): Pipeline[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as { kind?: string; name?: string; steps?: Record<string, unknown>[] } | null)
    .filter((d) => d?.kind === 'pipeline')
    .map((d) => ({
      name: String(d?.name),
      steps: (d?.steps ?? []).map((s) => {
        const when = (s['when'] ?? {}) as Record<string, unknown>;
        return {
          name: String(s['name']),
          image: String(s['image']),
          settings: (s['settings'] ?? {}) as Record<string, unknown>,
          environment: (s['environment'] ?? {}) as Record<string, unknown>,
          status: asList(
            (when['status'] as { include?: unknown } | undefined)?.include ?? when['status'],
          ) ?? ['success'],
          events: asList((when['event'] as { include?: unknown } | undefined)?.include ?? when['event']),
        };
      }),
    }));
}

/** Map keys sorted at every depth, as Go's YAML encoder writes them. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * A setting's value as Drone puts it into PLUGIN_* (drone-runner-docker's encoder): scalars as
 * text, lists of scalars comma-joined, the rest JSON, with map keys sorted.
 */
export function encodeSetting(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return v.map(String).join(',');
  return JSON.stringify(sortKeys(v));
}

/** The bundle that stands in for an image: drone-gke-plugins/<plugin>. */
function bundleOf(image: string): string {
  const name =
    image
      .replace(/:[^/]*$/, '')
      .split('/')
      .pop() ?? '';
  const entry = join(ROOT, 'dist', name, 'index.js');
  try {
    statSync(entry);
  } catch {
    throw new Error(`no bundle for image ${image} (${entry}); run npm run build`);
  }
  return entry;
}

export function bundleRunner(tb: TestbedState): Runner {
  const workspace = createWorkspace();
  const secrets = testbedSecrets(tb);
  const global = testbedEnv(tb, tb.ca.bundle);
  const kubectlDir = dirname(tb.tools.kubectl as string);
  return {
    kind: 'bundles',
    async run(build, onLine) {
      const started = Date.now();
      const vars: Record<string, string> = build.tag ? { DRONE_TAG: build.tag } : {};
      // drone's substitution: ${NAME} from the build, empty when unknown.
      const text = readFileSync(join(workspace, build.file ?? '.drone.yml'), 'utf8').replace(
        /\$\{(\w+)\}/g,
        (_m, k: string) => vars[k] ?? '',
      );
      const pipeline = readPipelines(text).find((p) => p.name === build.pipeline);
      if (!pipeline) throw new Error(`examples/.drone.yml has no pipeline ${build.pipeline}`);
      let output = '';
      let lineNo = 0;
      const failed: string[] = [];
      const say = (line: string) => {
        output += `${line}\n`;
        onLine?.(line);
      };
      for (const [i, step] of pipeline.steps.entries()) {
        const status = failed.length > 0 ? 'failure' : 'success';
        if (!step.status.includes(status)) continue;
        if (step.events && !step.events.includes(build.event)) continue;
        const env: Record<string, string> = {
          PATH: `${kubectlDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
          HOME: process.env['HOME'] ?? tmpdir(),
          ...global,
          DRONE: 'true',
          CI: 'true',
          DRONE_BUILD_EVENT: build.event,
          DRONE_BUILD_STATUS: status,
          DRONE_STAGE_NAME: build.pipeline,
          DRONE_STEP_NAME: step.name,
          DRONE_STEP_NUMBER: String(i + 1),
          DRONE_WORKSPACE: workspace,
          ...(build.deployTo ? { DRONE_DEPLOY_TO: build.deployTo } : {}),
          ...(failed.length > 0 ? { DRONE_FAILED_STEPS: failed.join(',') } : {}),
        };
        for (const [k, v] of Object.entries(step.environment)) env[k] = encodeSetting(v);
        for (const [k, v] of Object.entries(step.settings)) {
          const secret = (v as { from_secret?: string } | null)?.from_secret;
          const value = secret !== undefined ? secrets[secret] : encodeSetting(v);
          if (value !== undefined) env[`PLUGIN_${k.toUpperCase()}`] = value;
        }
        const r = await spawnLines(process.execPath, [bundleOf(step.image)], {
          cwd: workspace,
          env,
          timeoutMs: 600_000,
          onLine: say,
          prefix: () => `[${step.name}:${++lineNo}] `,
        });
        if (r.code !== 0) failed.push(step.name);
      }
      return { code: failed.length > 0 ? 1 : 0, output, ms: Date.now() - started };
    },
    dispose() {
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}
