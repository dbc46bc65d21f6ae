// The rollback command gke-deploy prints: run through a real shell with a `docker` that
// reports its arguments, it must hand the rollback plugin settings that name every cluster
// with its own namespace and project.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterTarget } from '../../../../common/kube/target.ts';
import { Masker } from '../../../../common/mask.ts';
import { loadSettings } from '../../../../common/settings.ts';
import {
  buildSummary,
  type ClusterRun,
  ROLLBACK_IMAGE,
  rollbackCommand,
  shellQuote,
} from '../../../../plugins/gke-deploy/report.ts';
import { schema as rollbackSchema } from '../../../../plugins/rollback/schema.ts';
import type { RawSettings as RollbackSettings } from '../../../../plugins/rollback/settings.ts';

const target = (location: string, name: string, namespace: string, project = 'acme-prod'): ClusterTarget => ({
  id: `${location}/${name}`,
  name,
  location,
  project,
  namespace,
  kubeconfig: '/dev/null',
  context: `gke_${project}_${location}_${name}`,
  server: 'https://127.0.0.1:1',
});

/** Runs `command` with sh, `docker` being a script that prints its arguments as JSON; key.json holds `key`. */
function runAsPrinted(command: string, key: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'rollback-command-'));
  try {
    const docker = join(dir, 'docker');
    writeFileSync(
      docker,
      `#!${process.execPath}\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)));\n`,
    );
    chmodSync(docker, 0o755);
    writeFileSync(join(dir, 'key.json'), key);
    const out = execFileSync('sh', ['-c', command], {
      cwd: dir,
      env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    return JSON.parse(out) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The -e variables of `docker run --rm -e K=V … image`, and the image. */
function dockerRun(args: string[]): { env: Record<string, string>; image: string | undefined } {
  assert.deepEqual(args.slice(0, 2), ['run', '--rm']);
  const env: Record<string, string> = {};
  let i = 2;
  for (; args[i] === '-e'; i += 2) {
    const kv = args[i + 1] as string;
    env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  }
  assert.equal(i, args.length - 1, `expected only -e options before the image: ${args.join(' ')}`);
  return { env, image: args[i] };
}

describe('gke-deploy: the printed rollback command', () => {
  it('names the clusters, their namespace and project plainly when they share them', () => {
    const cmd = rollbackCommand(
      [target('asia-northeast1', 'web', 'production'), target('us-central1', 'web', 'production')],
      41,
    );
    assert.equal(
      cmd,
      `docker run --rm -e PLUGIN_CLUSTERS=asia-northeast1/web,us-central1/web -e PLUGIN_NAMESPACE=production -e PLUGIN_PROJECT=acme-prod -e PLUGIN_TO_BUILD=41 -e TOKEN="$(cat key.json)" ${ROLLBACK_IMAGE}`,
    );
  });

  it('carries each cluster’s namespace when the clusters have their own, and works as printed', () => {
    const targets = [
      target('asia-northeast1', 'web', 'web-tokyo'),
      target('us-central1', 'web', 'web-iowa', 'acme-us'),
    ];
    const cmd = rollbackCommand(targets, 41) as string;
    assert.doesNotMatch(cmd, /PLUGIN_NAMESPACE/);
    const { env, image } = dockerRun(runAsPrinted(cmd, '{"type": "service_account"}\n'));
    assert.equal(image, ROLLBACK_IMAGE);
    assert.equal(env.TOKEN, '{"type": "service_account"}');
    assert.equal(env.PLUGIN_TO_BUILD, '41');
    // What the rollback plugin makes of them: every cluster with its own namespace and project.
    const { settings } = loadSettings<RollbackSettings>(rollbackSchema, env, { masker: new Masker() });
    assert.deepEqual(settings.clusters, [
      { name: 'web', location: 'asia-northeast1', project: 'acme-prod', namespace: 'web-tokyo' },
      { name: 'web', location: 'us-central1', project: 'acme-us', namespace: 'web-iowa' },
    ]);
    assert.equal(settings.namespace, undefined);
  });

  it('leaves the command out when a cluster is not a GKE cluster', () => {
    const outside = { ...target('x', 'y', 'z'), location: undefined };
    assert.equal(rollbackCommand([target('us-central1', 'web', 'web'), outside], 1), undefined);
  });
});

describe('shellQuote', () => {
  it('quotes only what the shell would change, and round-trips quotes', () => {
    assert.equal(shellQuote('asia-northeast1/web,us-central1/web'), 'asia-northeast1/web,us-central1/web');
    assert.equal(shellQuote('[{"a":1}]'), `'[{"a":1}]'`);
    const tricky = `it's $HOME and "$(x)" \\ end`;
    assert.equal(execFileSync('sh', ['-c', `printf %s ${shellQuote(tricky)}`], { encoding: 'utf8' }), tricky);
  });
});

describe('gke-deploy summary: the command after a cancelled deploy', () => {
  const targets = [target('asia-northeast1', 'web', 'web'), target('us-central1', 'web', 'web')];
  const ctx = {
    repo: { slug: 'acme/web', owner: 'acme', name: 'web', link: '', branch: 'main' },
    build: { number: 42 },
    commit: {},
    deploy: {},
  } as unknown as Parameters<typeof buildSummary>[0]['ctx'];
  const runOf = (t: ClusterTarget, result: ClusterRun['result']): ClusterRun => ({
    target: t,
    refs: [{ kind: 'Deployment', name: 'web' }],
    before: new Map([['deployment/web', { exists: true, revision: 3, images: ['app:v1'], build: 41 }]]),
    result,
    applied: true,
  });
  const summary = (results: ClusterRun['result'][]) =>
    buildSummary({
      started: 0,
      finished: 1,
      ctx,
      images: new Map([['deployment/web', ['app:v2']]]),
      targets,
      runs: targets.map((t, i) => runOf(t, results[i] as ClusterRun['result'])),
      result: 'cancelled',
    });

  it('has none when every changed cluster was rolled back in time', () => {
    assert.equal(summary(['rolled_back', 'rolled_back']).rollbackCommand, undefined);
  });

  it('finishes an unconfirmed rollback: the plain rollback command, no target (it repairs the record)', () => {
    const command = summary(['rolled_back', 'cancelled']).rollbackCommand;
    assert.ok(command);
    const { env, image } = dockerRun(runAsPrinted(command, '{"key":1}'));
    assert.equal(image, ROLLBACK_IMAGE);
    assert.equal(env.PLUGIN_TO_BUILD, undefined);
    assert.equal(env.PLUGIN_NAMESPACE, 'web');
  });
});
