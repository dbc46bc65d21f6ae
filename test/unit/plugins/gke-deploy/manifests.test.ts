import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests, templateFiles } from '../../../../plugins/gke-deploy/manifests.ts';

describe('manifests', () => {
  const ws = mkdtempSync(join(tmpdir(), 'manifests-'));
  mkdirSync(join(ws, 'k8s', 'sub'), { recursive: true });
  writeFileSync(join(ws, 'k8s', 'b.yaml'), 'kind: Service\nmetadata:\n  name: b\n');
  writeFileSync(
    join(ws, 'k8s', 'a.yml'),
    'kind: Deployment\nmetadata:\n  name: {{.app}}\n---\n---\nkind: ConfigMap\nmetadata:\n  name: c\n',
  );
  writeFileSync(join(ws, 'k8s', 'sub', 'c.yml'), 'kind: ConfigMap\nmetadata:\n  name: d\n');
  writeFileSync(join(ws, 'k8s', 'notes.txt'), 'not yaml');
  writeFileSync(join(ws, 'bad.yml'), 'kind: Deployment\nmetadata:\n  name: x\n  labels: [unclosed\n');
  writeFileSync(join(ws, 'nokind.yml'), 'apiVersion: v1\n---\nmetadata:\n  name: x\n');

  it('expands folders recursively in name order, YAML files only', () => {
    assert.deepEqual(
      templateFiles(['k8s'], ws).map((f) => f.slice(ws.length + 1)),
      ['k8s/a.yml', 'k8s/b.yaml', 'k8s/sub/c.yml'],
    );
  });

  it('says which template is missing and how to fix it', () => {
    assert.throws(
      () => templateFiles(['.kube.yml'], ws),
      /setting "template" \(PLUGIN_TEMPLATE\): \.kube\.yml does not exist in the workspace; set "template"/,
    );
  });

  it('renders and splits documents, skipping empty ones, with their lines', () => {
    const m = loadManifests(join(ws, 'k8s', 'a.yml'), { app: 'web' }, ws);
    assert.deepEqual(
      m.map((x) => [x.doc.kind, x.doc.metadata.name, x.file, x.line]),
      [
        ['Deployment', 'web', 'k8s/a.yml', 1],
        ['ConfigMap', 'c', 'k8s/a.yml', 6],
      ],
    );
  });

  it('names file and line of invalid YAML and of a document without kind', () => {
    assert.throws(
      () => loadManifests(join(ws, 'bad.yml'), {}, ws),
      /^TemplateError: bad\.yml:\d+: invalid YAML: /,
    );
    assert.throws(
      () => loadManifests(join(ws, 'nokind.yml'), {}, ws),
      /nokind\.yml:1: a manifest needs "kind" and "metadata\.name"/,
    );
  });
});
