// kubectl against one cluster target: its own kubeconfig and context, never the
// environment's KUBECONFIG, output masked and errors that name the cluster.
import { ExecError } from '../errors.ts';
import type { Exec, ExecRequest, ExecResult } from '../exec.ts';
import { jsonStream } from './json-stream.ts';
import type { ClusterTarget } from './target.ts';

/** What a call may set of exec's request (documented there), and its namespace. */
export type KubectlOptions = Pick<
  ExecRequest,
  'input' | 'silent' | 'timeoutMs' | 'stream' | 'onStdout' | 'signal' | 'okExitCodes'
> & { namespace?: string };

export interface Kubectl {
  run(target: ClusterTarget, args: readonly string[], opts?: KubectlOptions): Promise<ExecResult>;
  json<T>(target: ClusterTarget, args: readonly string[], opts?: KubectlOptions): Promise<T>;
  /**
   * `kubectl get <kind> --watch -o json` in the target's namespace: every object now, then
   * each one again as it changes. Resolves when kubectl exits or `signal` stops it.
   */
  watch(
    target: ClusterTarget,
    kind: string,
    onObject: (o: unknown) => void,
    opts: { signal: AbortSignal; timeoutMs: number; namespace?: string },
  ): Promise<void>;
}

const REFUSED = /connection to the server \S+ was refused|proxyconnect/;

/**
 * kubectl says "the connection to the server … was refused" when it was the cluster's proxy
 * (`proxy_url`) that did not answer: the error then says which proxy to check.
 */
function throughProxy(err: unknown, target: ClusterTarget): unknown {
  const proxy = target.access?.proxy;
  if (!proxy || !(err instanceof ExecError) || !REFUSED.test(err.stderrTail)) return err;
  const hint = `(${target.id} is reached through the proxy ${proxy}, set by "proxy_url": check that it runs and lets this step through)`;
  const { command, exitCode, stderrTail } = err;
  return new ExecError({ command, exitCode, stderrTail: `${stderrTail}\n${hint}` }, { cause: err });
}

export function createKubectl(
  exec: Exec,
  command = 'kubectl',
  baseEnv: NodeJS.ProcessEnv = process.env,
): Kubectl {
  const env = { ...baseEnv, KUBECONFIG: undefined };
  const run = (target: ClusterTarget, args: readonly string[], opts: KubectlOptions = {}) =>
    exec({
      command,
      args: [
        `--kubeconfig=${target.kubeconfig}`,
        `--context=${target.context}`,
        ...(opts.namespace ? [`--namespace=${opts.namespace}`] : []),
        ...args,
      ],
      env,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      ...(opts.silent ? { silent: true } : {}),
      ...(opts.stream ? { stream: true, prefix: `[${target.id}] ` } : {}),
      ...(opts.onStdout ? { onStdout: opts.onStdout } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.okExitCodes ? { okExitCodes: opts.okExitCodes } : {}),
      timeoutMs: opts.timeoutMs ?? 120_000,
    }).catch((err: unknown) => {
      throw throughProxy(err, target);
    });
  return {
    run,
    async json<T>(target: ClusterTarget, args: readonly string[], opts: KubectlOptions = {}) {
      const r = await run(target, [...args, '-o', 'json'], opts);
      return JSON.parse(r.stdout) as T;
    },
    async watch(target, kind, onObject, opts) {
      const stream = jsonStream(onObject);
      await run(target, ['get', kind, '--watch', '-o', 'json'], {
        namespace: opts.namespace ?? target.namespace,
        onStdout: (chunk) => stream.push(chunk),
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
      });
    },
  };
}
