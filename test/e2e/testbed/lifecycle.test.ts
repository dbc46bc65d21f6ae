// The testbed CLI's lifecycle, on a second testbed of its own (own TESTBED_DIR, random
// ports) so it never touches the testbed other tests share: up -> status -> env -> a crashed
// process -> down, after which none of its PIDs is alive (a zombie waiting for PID 1 to reap
// it is not).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { isRunning, processesUnder } from '../../testbed/pids.ts';
import { waitFor } from '../../testbed/proc.ts';
import { readState, repoRoot, type TestbedState } from '../../testbed/state.ts';

const CLI = fileURLToPath(new URL('../../testbed/cli.ts', import.meta.url));

describe('testbed: lifecycle CLI (up, status, env, down)', function () {
  this.timeout(120_000);
  const clusters = Math.min(1, Number(process.env['TESTBED_CLUSTERS'] ?? 1));
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let state: TestbedState | null = null;

  const cli = (...args: string[]) =>
    execa(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: repoRoot(),
      env,
      extendEnv: false,
      reject: false,
    });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'testbed-lifecycle-'));
    env = { ...process.env, TESTBED_DIR: dir };
    delete env['TESTBED_STATE'];
    // The child mocha runs must decide for themselves whether to stop what they started.
    delete env['TESTBED_KEEP'];
  });

  after(async () => {
    // Whatever happened above, leave nothing running.
    if (existsSync(join(dir, 'state.json'))) await cli('down');
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad arguments with a clear message', async () => {
    const bad = await cli('up', '--clusters', 'many');
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /--clusters needs a number/);
    const unknown = await cli('sideways');
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /unknown command sideways/);
    const none = await cli('status');
    assert.equal(none.exitCode, 1);
    assert.match(none.stdout, /not running/);
  });

  it(`up --clusters ${clusters} starts every part and writes the state file`, async function () {
    this.timeout(30 * 60_000);
    const up = await cli('up', '--clusters', String(clusters));
    assert.equal(up.exitCode, 0, `${up.stdout}\n${up.stderr}`);
    assert.match(up.stderr, /testbed up in [\d.]+ s/);
    state = readState(join(dir, 'state.json'));
    assert.ok(state, 'no state file');
    assert.equal(state.phase, 'running');
    assert.equal(state.clusters.length, clusters);
    const names = state.processes.map((p) => p.name);
    for (const n of ['fake-gcs-server', 'fault-proxy', 'slack-sink', 'gke']) assert.ok(names.includes(n), n);
    if (clusters > 0) assert.ok(names.some((n) => n.includes('kube-apiserver')));
    for (const p of state.processes) assert.ok(isRunning(p.pid), `${p.name} (${p.pid}) not alive`);
  });

  it('status says healthy, and up again reuses the running testbed', async function () {
    if (!state) this.skip();
    const status = await cli('status');
    assert.equal(status.exitCode, 0, status.stdout);
    assert.match(status.stdout, /^healthy$/m);
    const again = await cli('up', '--clusters', String(clusters));
    assert.equal(again.exitCode, 0);
    assert.match(again.stderr, /reusing it/);
    assert.deepEqual(
      readState(join(dir, 'state.json'))?.processes.map((p) => p.pid),
      state!.processes.map((p) => p.pid),
    );
  });

  it('env prints export lines a shell can eval', async function () {
    if (!state) this.skip();
    const out = await cli('env');
    assert.equal(out.exitCode, 0);
    const vars = new Map(
      out.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l);
          assert.ok(m, `not an export line: ${l}`);
          return [m[1]!, m[2]!.replace(/^'|'$/g, '')] as const;
        }),
    );
    assert.equal(vars.get('TESTBED_STATE'), join(dir, 'state.json'));
    assert.equal(vars.get('KUBECONFIG'), state!.kubeconfig);
    assert.equal(vars.get('NODE_EXTRA_CA_CERTS'), state!.ca.bundle);
    assert.equal(vars.get('TESTBED_GCS_ENDPOINT'), state!.gcs.url);
    assert.equal(vars.get('TESTBED_SLACK_WEBHOOK_URL'), state!.slack.webhookUrl);
    const shell = await execa('bash', ['-c', `eval "$(cat)"; echo "$TESTBED_GKE_API"`], {
      input: out.stdout,
    });
    assert.equal(shell.stdout.trim(), state!.gke.apiEndpoint);
    if (clusters > 0) {
      const nodes = await execa(state!.tools.kubectl!, ['get', 'nodes', '-o', 'name'], {
        env: { KUBECONFIG: vars.get('KUBECONFIG') },
        reject: false,
      });
      assert.equal(nodes.exitCode, 0, nodes.stderr);
      assert.match(nodes.stdout, /^node\//m);
    }
  });

  it('status notices a crashed process', async function () {
    if (!state) this.skip();
    const sink = state!.processes.find((p) => p.name === 'slack-sink')!;
    process.kill(sink.pid, 'SIGKILL');
    for (let i = 0; i < 50 && isRunning(sink.pid); i++) await new Promise((r) => setTimeout(r, 20));
    const status = await cli('status');
    assert.equal(status.exitCode, 1);
    assert.match(status.stdout, /DEAD process slack-sink/);
    assert.match(status.stdout, /NOT healthy/);
  });

  it('down stops exactly the PIDs in the state file and removes it', async function () {
    if (!state) this.skip();
    const down = await cli('down');
    assert.equal(down.exitCode, 0, down.stderr);
    assert.match(down.stdout, /testbed stopped/);
    const alive = state!.processes.filter((p) => isRunning(p.pid));
    assert.deepEqual(alive, [], `still alive: ${alive.map((p) => `${p.name} ${p.pid}`).join(', ')}`);
    assert.equal(existsSync(join(dir, 'state.json')), false);
    assert.equal(existsSync(state!.runDir), false);
    const again = await cli('down');
    assert.equal(again.exitCode, 0);
    assert.match(again.stdout, /nothing to stop/);
  });

  it('useTestbed() in a mocha run starts a testbed once and the root hook stops it; a running one is reused and left running', async function () {
    this.timeout(5 * 60_000);
    // Two spec files in a folder under the repository (so 'execa' resolves). The first imports
    // an ESM-only package, so mocha loads it with import() while it loads the second and the
    // root hook with require(): under tsx that gives two instances of hooks.ts, which must
    // still agree on who started the testbed.
    const hooks = pathToFileURL(fileURLToPath(new URL('../../testbed/hooks.ts', import.meta.url))).href;
    const specDir = mkdtempSync(join(repoRoot(), '.testbed-lifecycle-spec-'));
    const specFile = (name: string, lines: string[]) => {
      const file = join(specDir, name);
      writeFileSync(
        file,
        [
          `import { useTestbed } from '${hooks}';`,
          ...lines,
          `describe('${name}', function () {`,
          '  this.timeout(300000);',
          "  it('gets the testbed', async () => {",
          '    const s = await useTestbed({ clusters: 0 });',
          "    console.log('TESTBED ' + s.ownerPid + ' ' + s.stateFile);",
          '  });',
          '});',
          '',
        ].join('\n'),
      );
      return file;
    };
    const specs = [
      specFile('a-esm.test.ts', ["import { execa } from 'execa';", 'void execa;']),
      specFile('b-cjs.test.ts', []),
    ];
    try {
      const mocha = (extra: NodeJS.ProcessEnv = {}) =>
        execa(
          process.execPath,
          [
            fileURLToPath(new URL('../../../node_modules/mocha/bin/mocha.js', import.meta.url)),
            '--config',
            join(repoRoot(), '.mocharc.json'),
            ...specs,
          ],
          {
            cwd: repoRoot(),
            env: { ...env, TESTBED_CLUSTERS: '0', ...extra },
            extendEnv: false,
            reject: false,
          },
        );
      const stateFile = join(dir, 'state.json');
      const runDir = join(dir, 'run');

      // No testbed running: the mocha process starts one, both files share it, afterAll stops it.
      const own = await mocha();
      assert.equal(own.exitCode, 0, `${own.stdout}\n${own.stderr}`);
      const owners = [...own.stdout.matchAll(/^TESTBED (\d+) /gm)].map((m) => m[1]);
      assert.equal(owners.length, 2);
      assert.equal(new Set(owners).size, 1, 'both files must get the same testbed');
      assert.equal(existsSync(stateFile), false, 'the root hook did not stop the testbed it started');
      assert.deepEqual(processesUnder(runDir), []);

      // A testbed started by the CLI is reused and left running.
      const up = await cli('up', '--clusters', '0');
      assert.equal(up.exitCode, 0, up.stderr);
      const before = readState(stateFile)!;
      const reused = await mocha();
      assert.equal(reused.exitCode, 0, `${reused.stdout}\n${reused.stderr}`);
      assert.match(reused.stdout, new RegExp(`^TESTBED ${before.ownerPid} `, 'm'));
      assert.deepEqual(
        readState(stateFile)?.processes.map((p) => p.pid),
        before.processes.map((p) => p.pid),
      );
      assert.ok(before.processes.every((p) => isRunning(p.pid)));
      assert.equal((await cli('down')).exitCode, 0);
    } finally {
      rmSync(specDir, { recursive: true, force: true });
    }
  });

  it('down also cleans up after an up that crashed half way', async function () {
    if (clusters === 0) this.skip();
    this.timeout(5 * 60_000);
    const up = execa(process.execPath, ['--import', 'tsx', CLI, 'up', '--clusters', String(clusters)], {
      cwd: repoRoot(),
      env,
      extendEnv: false,
      reject: false,
    });
    const stateFile = join(dir, 'state.json');
    const runDir = join(dir, 'run');
    // Crash it once a cluster's processes run but before up has finished.
    await waitFor(() => processesUnder(runDir).some((p) => p.name === 'etcd'), {
      what: 'etcd of the crashing up',
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    up.kill('SIGKILL');
    await up;
    const crashed = readState(stateFile);
    assert.ok(crashed, 'the state file is written from the start of up');
    assert.equal(crashed.phase, 'starting');
    const leftovers = processesUnder(runDir);
    assert.ok(leftovers.length > 0, 'expected processes left by the crashed up');
    const status = await cli('status');
    assert.equal(status.exitCode, 1);
    const down = await cli('down');
    assert.equal(down.exitCode, 0, down.stderr);
    const alive = leftovers.filter((p) => isRunning(p.pid));
    assert.deepEqual(alive, [], `still alive: ${alive.map((p) => `${p.name} ${p.pid}`).join(', ')}`);
    assert.deepEqual(processesUnder(runDir), []);
    assert.equal(existsSync(stateFile), false);
  });
});
