// Renders examples/.drone.template.yml the way a Drone server renders a `kind: template`
// config whose template is .jsonnet: Drone's converter (drone/drone plugin/converter/jsonnet)
// runs go-jsonnet's EvaluateAnonymousSnippetStream with each `data:` value as the external
// variable `input.<name>` (fmt.Sprint of the YAML value), and joins the documents with
// "---\n". That converter cannot be built here: the Go module proxy serves no version of
// github.com/drone/drone newer than v1.10.1 (403), which predates templates. drone-cli's
// `drone jsonnet --stream -V name=value` (built from the proxy already, drone-cli.ts) runs the
// same go-jsonnet VM the same way, so it renders what the server would.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { EXAMPLES } from './pipeline.ts';

export const TEMPLATE_CONFIG = join(EXAMPLES, '.drone.template.yml');
/** The rendered pipelines' file in the run's workspace. */
export const RENDERED_PIPELINE_FILE = '.drone.rendered.yml';

interface TemplateConfig {
  kind: string;
  load: string;
  data: Record<string, unknown>;
}

/** A `data:` value as Drone's converter hands it over: fmt.Sprint of the decoded YAML. */
function sprint(name: string, v: unknown): string {
  if (v !== null && typeof v === 'object') {
    throw new Error(
      `data.${name}: a list or map reaches a .jsonnet template as "[a b]"; write it comma-separated`,
    );
  }
  return String(v);
}

/** The rendered pipelines for the config file (the template is examples/templates/<load>). */
export async function renderTemplate(drone: string, config = TEMPLATE_CONFIG): Promise<string> {
  const c = parse(readFileSync(config, 'utf8')) as TemplateConfig;
  if (c.kind !== 'template') throw new Error(`${config}: not kind: template`);
  const vars = Object.entries(c.data).flatMap(([k, v]) => ['-V', `input.${k}=${sprint(k, v)}`]);
  const source = join(EXAMPLES, 'templates', c.load);
  const args = ['jsonnet', '--stream', '--stdout', '--source', source, ...vars];
  const { stdout } = await promisify(execFile)(drone, args, { env: { PATH: process.env['PATH'] } });
  return stdout;
}
