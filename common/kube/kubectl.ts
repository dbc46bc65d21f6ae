// kubectl against one cluster target: its own kubeconfig and context, never the
// environment's KUBECONFIG, output masked and errors that name the cluster.
import type { Exec, ExecResult } from '../exec.ts';
import type { ClusterTarget } from './target.ts';

export interface KubectlOptions {
  input?: string;
  /** Never print this call's output (rendered secrets). */
  silent?: boolean;
  timeoutMs?: number;
  stream?: boolean;
  namespace?: string;
}

export interface Kubectl {
  run(target: ClusterTarget, args: readonly string[], opts?: KubectlOptions): Promise<ExecResult>;
  json<T>(target: ClusterTarget, args: readonly string[], opts?: KubectlOptions): Promise<T>;
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
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
  return {
    run,
    async json<T>(target: ClusterTarget, args: readonly string[], opts: KubectlOptions = {}) {
      const r = await run(target, [...args, '-o', 'json'], opts);
      return JSON.parse(r.stdout) as T;
    },
  };
}
