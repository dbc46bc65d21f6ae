import assert from 'node:assert/strict';
import { renderTemplate } from '../../../../plugins/gke-deploy/template.ts';

describe('renderTemplate (drone-gke Go-template style)', () => {
  const data = { COMMIT: 'abc123', BUILD_NUMBER: '42', app: 'web', replicas: 3, nested: { name: 'x' } };

  it('renders variables with and without spaces, nested fields and numbers', () => {
    assert.equal(
      renderTemplate(
        'image: app:{{.COMMIT}}\nname: {{ .app }}-{{.BUILD_NUMBER}}\nn: {{.replicas}} {{.nested.name}}',
        data,
        'f',
      ),
      'image: app:abc123\nname: web-42\nn: 3 x',
    );
  });

  it('honours trim markers (which, as in Go, also eat newlines) and comments', () => {
    assert.equal(renderTemplate('a:  {{- .app -}}  \nb{{/* note */}}', data, 'f'), 'a:webb');
    assert.equal(renderTemplate('a: {{ .app }}  \nb', data, 'f'), 'a: web  \nb');
  });

  it('names file and line of a missing variable and lists the defined ones', () => {
    assert.throws(
      () => renderTemplate('a: 1\nb: 2\nimage: {{.image}}\n', data, '.kube.yml'),
      /^TemplateError: \.kube\.yml:3: variable "\.image" is not defined; set it in "vars" \(defined: BUILD_NUMBER, COMMIT, app, nested, replicas\)$/,
    );
  });

  it('refuses actions beyond variables, with file and line', () => {
    assert.throws(
      () => renderTemplate('x\n{{ if .app }}y{{ end }}', data, 'k.yml'),
      /k\.yml:2: unsupported template action "\{\{ if \.app \}\}"/,
    );
    assert.throws(() => renderTemplate('x: {{.app', data, 'k.yml'), /k\.yml:1: "\{\{" is never closed/);
  });
});
