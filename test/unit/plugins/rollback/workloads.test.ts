// Workload references that name no kind rollback works on are settings errors, found before
// any cluster is contacted: run() gets a Google client and an exec that record every call.
import assert from 'node:assert/strict';
import { SettingsError } from '../../../../common/errors.ts';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { run } from '../../../../plugins/rollback/main.ts';

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    deps: {
      log: createLogger({ sink: memorySink() }),
      googleClient: async () => {
        calls.push('google');
        throw new Error('no cluster may be contacted');
      },
      exec: async () => {
        calls.push('exec');
        throw new Error('no command may run');
      },
    },
  };
}

describe('rollback: workload references', () => {
  for (const entry of ['foo/web', 'pod/x', 'svc/x']) {
    it(`refuses deployments: ${entry} before contacting anything`, async () => {
      const r = recorder();
      await assert.rejects(
        run({ PLUGIN_CLUSTERS: 'us-central1/web', PLUGIN_DEPLOYMENTS: `web,${entry}` }, r.deps),
        (err: Error) => {
          assert.ok(err instanceof SettingsError, String(err));
          assert.equal(err.issues.length, 1, err.message);
          assert.equal(err.issues[0]?.setting, 'deployments');
          assert.equal(err.issues[0]?.variable, 'PLUGIN_DEPLOYMENTS');
          assert.match(err.message, new RegExp(`"${entry}": kind "${entry.split('/')[0]}" is not one of`));
          assert.match(err.message, /write a Deployment's name \(web\), or deployment\/NAME/);
          return true;
        },
      );
      assert.deepEqual(r.calls, []);
    });
  }

  it('reports a bad reference with the other problems, at once', async () => {
    const r = recorder();
    await assert.rejects(
      run(
        { PLUGIN_CLUSTERS: 'us-central1/web', PLUGIN_DEPLOYMENTS: 'svc/x', PLUGIN_TIMEOUT: 'ages' },
        r.deps,
      ),
      (err: SettingsError) => {
        assert.deepEqual(err.issues.map((i) => i.setting).sort(), ['deployments', 'timeout']);
        return true;
      },
    );
    assert.deepEqual(r.calls, []);
  });
});
