// The drone-slack template fixtures (test/fixtures/slack-notify/drone-slack-templates.yml),
// turned into what Drone hands a plugin: PLUGIN_* settings and DRONE_* variables.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface TemplateCase {
  name: string;
  from: string;
  /** PLUGIN_* settings of the step (the webhook left out), as Drone would set them. */
  settings: Record<string, string>;
  env: Record<string, string>;
  expected: string;
  drone_slack?: string;
  link_names?: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', '..', '..', 'fixtures', 'slack-notify');

interface RawCase {
  name: string;
  from: string;
  drone_yml?: string;
  template?: string;
  env?: Record<string, string>;
  expected: string;
  drone_slack?: string;
  link_names?: boolean;
}

/** Drone's encoding of a setting: strings as is, booleans and numbers as text. */
function droneValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function loadTemplateCases(): TemplateCase[] {
  const doc = parse(readFileSync(join(FIXTURES, 'drone-slack-templates.yml'), 'utf8')) as {
    env: Record<string, string>;
    cases: RawCase[];
  };
  return doc.cases.map((c) => {
    const settings: Record<string, string> = {};
    if (c.drone_yml) {
      const step = (parse(c.drone_yml) as { steps: { settings: Record<string, unknown> }[] }).steps[0];
      for (const [k, v] of Object.entries(step?.settings ?? {})) {
        if (k !== 'webhook') settings[`PLUGIN_${k.toUpperCase()}`] = droneValue(v);
      }
    } else if (c.template !== undefined) {
      settings.PLUGIN_TEMPLATE = c.template;
    }
    const out: TemplateCase = {
      name: c.name,
      from: c.from,
      settings,
      env: { ...doc.env, ...(c.env ?? {}) },
      expected: c.expected,
    };
    if (c.drone_slack !== undefined) out.drone_slack = c.drone_slack;
    if (c.link_names !== undefined) out.link_names = c.link_names;
    return out;
  });
}
