// Settings that would only fail on a cluster (workload references of a kind rollback does
// not work on, namespaces Kubernetes refuses) are settings errors, found before any cluster
// is contacted: run() gets a Google client and an exec that record every call.
import assert from 'node:assert/strict';
import { SettingsError } from '../../../../common/errors.ts';
import { run } from '../../../../plugins/rollback/main.ts';
import { noContactDeps } from '../../../helpers/no-contact.ts';

const recorder = noContactDeps;

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

describe('rollback: namespaces', () => {
  it('refuses a 74-character namespace instead of cutting it to 63', async () => {
    const r = recorder();
    const ns = `team-${'x'.repeat(69)}`;
    await assert.rejects(
      run({ PLUGIN_CLUSTERS: 'us-central1/web', PLUGIN_NAMESPACE: ns }, r.deps),
      (err: Error) => {
        assert.ok(err instanceof SettingsError, String(err));
        assert.deepEqual(err.issues, [
          {
            setting: 'namespace',
            variable: 'PLUGIN_NAMESPACE',
            problem: `"${ns}" is 74 characters; a namespace has at most 63: shorten it`,
          },
        ]);
        return true;
      },
    );
    assert.deepEqual(r.calls, []);
  });

  it("refuses a clusters entry's namespace that maps to no valid one", async () => {
    const r = recorder();
    const clusters = JSON.stringify([{ location: 'us-central1', name: 'web', namespace: '_web_' }]);
    await assert.rejects(run({ PLUGIN_CLUSTERS: clusters }, r.deps), (err: Error) => {
      assert.ok(err instanceof SettingsError, String(err));
      assert.equal(err.issues[0]?.setting, 'clusters');
      assert.match(
        err.message,
        /item 1 \(us-central1\/web\), namespace: "_web_" \(mapped to "-web-"\) is not a valid/,
      );
      return true;
    });
    assert.deepEqual(r.calls, []);
  });
});
