// Renders a plugin's settings table from its schema: as Markdown for the README (between
// markers, kept in sync by a test) and as plain text for --help.

import packageJson from '../package.json' with { type: 'json' };
import { type JsonSchema, type PluginSchema, type SettingSpec, variablesOf } from './schema.ts';

/** The project's version, from package.json (its one source): every plugin and image carries it. */
export const VERSION: string = packageJson.version;

/** `<plugin> <version>`: the first line of every run and the last line of --help. */
export const versionLine = (plugin: string): string => `${plugin} ${VERSION}`;

export interface SettingRow {
  setting: string;
  variables: string[];
  type: string;
  default: string;
  required: boolean;
  secret: boolean;
  description: string;
}

export function describeType(spec: JsonSchema): string {
  if (spec.enum) return `one of ${spec.enum.map((v) => String(v)).join(', ')}`;
  if (spec.format === 'duration') return 'duration';
  const alternatives = spec.anyOf ?? spec.oneOf;
  if (alternatives) return [...new Set(alternatives.map(describeType))].join(' or ');
  const types = Array.isArray(spec.type) ? spec.type : spec.type ? [spec.type] : [];
  return types
    .map((t) => {
      if (t === 'array') return `list of ${spec.items ? describeType(spec.items) : 'string'}`;
      if (t === 'object')
        return spec.additionalProperties && typeof spec.additionalProperties === 'object'
          ? `map of ${describeType(spec.additionalProperties)}`
          : 'object';
      return t;
    })
    .join(' or ');
}

function showDefault(spec: SettingSpec): string {
  if (spec.default === undefined) return '';
  if (typeof spec.default === 'string') return spec.default;
  return JSON.stringify(spec.default);
}

export function settingRows(schema: PluginSchema): SettingRow[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([setting, spec]) => ({
    setting,
    variables: variablesOf(setting, spec),
    type: describeType(spec),
    default: showDefault(spec),
    required: required.has(setting),
    secret: spec.secret === true,
    description: spec.description,
  }));
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdownTable(schema: PluginSchema): string {
  const head = '| Setting | Variable | Type | Default | Required | Secret | Description |';
  const rule = '| --- | --- | --- | --- | --- | --- | --- |';
  const rows = settingRows(schema).map((r) =>
    [
      `\`${r.setting}\``,
      r.variables.map((v) => `\`${v}\``).join(', '),
      cell(r.type),
      r.default === '' ? '' : `\`${cell(r.default)}\``,
      r.required ? 'yes' : '',
      r.secret ? 'yes' : '',
      cell(r.description),
    ].join(' | '),
  );
  return [head, rule, ...rows.map((r) => `| ${r} |`)].join('\n');
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

export function renderHelp(schema: PluginSchema): string {
  const out = [
    `${schema.plugin}: ${schema.description}`,
    '',
    'Settings (.drone.yml `settings:`, or PLUGIN_* environment variables):',
    '',
  ];
  for (const r of settingRows(schema)) {
    const flags = [
      r.type,
      r.required ? 'required' : '',
      r.secret ? 'secret' : '',
      r.default ? `default ${r.default}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.push(
      `  ${r.setting}  (${r.variables.join(', ')})`,
      `      ${flags}`,
      ...wrap(r.description, 74, '      '),
      '',
    );
  }
  out.push('Exit codes: 0 success, 1 failure (the last line says why).', '', versionLine(schema.plugin));
  return out.join('\n');
}
