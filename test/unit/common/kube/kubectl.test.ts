import assert from 'node:assert/strict';
import { ExecError } from '../../../../common/errors.ts';
import type { Exec } from '../../../../common/exec.ts';
import { createKubectl } from '../../../../common/kube/kubectl.ts';
import type { ClusterTarget } from '../../../../common/kube/target.ts';

describe('kubectl: a refused connection through a proxy', () => {
  const target = (proxy?: string): ClusterTarget => ({
    id: 'us-central1/web',
    name: 'web',
    location: 'us-central1',
    project: 'p',
    namespace: 'default',
    kubeconfig: '/nonexistent/kubeconfig',
    context: 'ctx',
    server: 'https://10.0.0.2',
    access: { mode: 'internal_ip', ...(proxy ? { proxy } : {}) },
  });
  const refusing = (stderrTail: string): Exec =>
    (() => Promise.reject(new ExecError({ command: 'kubectl get ns', exitCode: 1, stderrTail }))) as Exec;
  const REFUSED =
    'The connection to the server 10.0.0.2:443 was refused - did you specify the right host or port?';

  it('names the proxy to check, set by proxy_url', async () => {
    const kubectl = createKubectl(refusing(REFUSED), 'kubectl', {});
    await assert.rejects(kubectl.run(target('http://bastion:3128'), ['get', 'ns']), (err: unknown) => {
      assert.ok(err instanceof ExecError);
      assert.match(err.message, /was refused/);
      assert.match(
        err.message,
        /us-central1\/web is reached through the proxy http:\/\/bastion:3128, set by "proxy_url"/,
      );
      return true;
    });
  });

  it('leaves the error alone without a proxy, or for another failure', async () => {
    for (const [t, stderr] of [
      [target(), REFUSED],
      [target('http://bastion:3128'), 'Error from server (Forbidden): namespaces is forbidden'],
    ] as const) {
      const kubectl = createKubectl(refusing(stderr), 'kubectl', {});
      await assert.rejects(kubectl.run(t, ['get', 'ns']), (err: unknown) => {
        assert.ok(err instanceof ExecError);
        assert.doesNotMatch(err.message, /proxy_url/);
        return true;
      });
    }
  });
});
