// DRONE_OUTPUT lines as Harness CI reads them: a dotenv file whose __B64__ values it decodes
// (harness/lite-engine pipeline/runtime/common.go, fetchExportedVarsFromEnvFile).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Masker } from '../../../common/mask.ts';
import { formatOutputs, outputLine, writeOutputs } from '../../../common/outputs.ts';
import { readOutputs } from '../../helpers/ci-files.ts';

describe('DRONE_OUTPUT lines', () => {
  it('writes plain values as they are', () => {
    assert.equal(outputLine('IMAGE', 'registry.local/app:v2'), 'IMAGE=registry.local/app:v2\n');
    assert.equal(
      outputLine('CLUSTERS', 'europe-west1/prod,us-east1/prod'),
      'CLUSTERS=europe-west1/prod,us-east1/prod\n',
    );
    assert.equal(outputLine('RESULT', ''), 'RESULT=\n');
  });

  it('base64-encodes a value with a newline, so that it cannot forge another variable', () => {
    const value = 'first line\nRESULT=deployed';
    const text = outputLine('MESSAGE', value);
    assert.equal(text.split('\n').length, 2, 'one line');
    assert.deepEqual(readOutputs(text), { MESSAGE: value });
  });

  it('base64-encodes quotes, $, #, backslashes, surrounding spaces and non-ASCII text', () => {
    for (const value of [
      `docker run -e A='b' img`,
      'a $HOME',
      'a # b',
      'C:\\x',
      ' x',
      'déployé',
      '__B64__x',
    ]) {
      const text = outputLine('V', value);
      assert.match(text, /^V=__B64__[A-Za-z0-9+/=]+\n$/);
      assert.deepEqual(readOutputs(text), { V: value });
    }
  });

  it('refuses a name Harness could not refer to', () => {
    assert.throws(() => outputLine('rollback-command', 'x'), /UPPER_SNAKE_CASE/);
  });

  it('leaves undefined values out and masks secrets', () => {
    const masker = new Masker();
    masker.add('s3cret-token-value');
    const text = formatOutputs({ A: 'x', B: undefined, C: 'token=s3cret-token-value' }, masker);
    assert.deepEqual(readOutputs(text), { A: 'x', C: 'token=***' });
  });

  it('appends to the file DRONE_OUTPUT names, and does nothing without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
    try {
      const file = join(dir, 'output.env');
      writeFileSync(file, 'EARLIER=1\n');
      assert.equal(writeOutputs({ DRONE_OUTPUT: file }, { RESULT: 'deployed' }, new Masker()), file);
      assert.equal(readFileSync(file, 'utf8'), 'EARLIER=1\nRESULT=deployed\n');
      assert.equal(writeOutputs({}, { RESULT: 'deployed' }, new Masker()), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
