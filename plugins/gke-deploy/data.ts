// The variables templates see: drone-gke's built-ins, the Drone context, and `vars`.
import type { BuildContext } from '../../common/ci.ts';
import { PluginError } from '../../common/errors.ts';
import type { Env } from '../../common/settings.ts';

export interface DataInput {
  ctx: BuildContext;
  vars: Record<string, string | number | boolean>;
  expandEnvVars: boolean;
  env: Env;
  namespace: string;
  cluster: string;
  project: string;
  zone: string;
}

/** $VAR and ${VAR} from the environment (drone-gke's expand_env_vars); $$ is a literal $. */
export function expandEnv(value: string, env: Env): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, a?: string, b?: string) => (m === '$$' ? '$' : (env[(a ?? b) as string] ?? '')),
  );
}

export function templateData(input: DataInput): Record<string, unknown> {
  const { ctx } = input;
  const builtins: Record<string, unknown> = {
    BUILD_NUMBER: ctx.build.number !== undefined ? String(ctx.build.number) : '',
    COMMIT: ctx.commit.sha,
    BRANCH: ctx.commit.branch,
    TAG: ctx.tag,
    cluster: input.cluster,
    namespace: input.namespace,
    project: input.project,
    zone: input.zone,
  };
  const data = { ...builtins };
  for (const [k, v] of Object.entries(input.vars)) {
    if (Object.hasOwn(builtins, k)) {
      throw new PluginError(
        `vars: "${k}" shadows a built-in variable (${Object.keys(builtins).join(', ')}); rename it`,
      );
    }
    data[k] = typeof v === 'string' && input.expandEnvVars ? expandEnv(v, input.env) : v;
  }
  return data;
}

/**
 * Variables for the secret template: SECRET_* environment variables, base64-encoded as
 * Kubernetes Secret data needs them; SECRET_BASE64_* passed as they are (drone-gke's rule).
 */
export function secretData(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('SECRET_') || v === undefined) continue;
    out[k] = k.startsWith('SECRET_BASE64_') ? v : Buffer.from(v).toString('base64');
  }
  return out;
}
