import assert from 'node:assert/strict';
import { ExecError, PluginError, TimeoutError } from '../../../common/errors.ts';
import { createExec } from '../../../common/exec.ts';
import { createLogger, memorySink } from '../../../common/log.ts';

const setup = () => {
  const sink = memorySink();
  const log = createLogger({ sink });
  log.masker.add('the-secret-value-42');
  return { sink, log, exec: createExec(log) };
};

// These tests run real child processes (sh), not mocks.
describe('createExec', () => {
  it('returns stdout and streams masked lines with a prefix', async () => {
    const { sink, exec } = setup();
    const r = await exec({
      command: 'sh',
      args: ['-c', 'echo "one $S"; echo two >&2; printf three'],
      env: { PATH: process.env.PATH, S: 'the-secret-value-42' },
      stream: true,
      prefix: '[us-central1] ',
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'one the-secret-value-42\nthree');
    assert.deepEqual(
      sink.lines.sort(),
      ['[us-central1] one ***', '[us-central1] three', '[us-central1] two'].sort(),
    );
  });

  it('masks a secret cut between two writes, and keeps a UTF-8 character cut between them', async () => {
    const { sink, exec } = setup();
    const chunks: string[] = [];
    // printf with octal escapes: "é" is \303\251, written in two halves.
    const script = "printf 'a the-secret-'; sleep 0.2; printf 'value-42 \\303'; sleep 0.2; printf '\\251\\n'";
    const r = await exec({ command: 'sh', args: ['-c', script], stream: true });
    assert.equal(r.stdout, 'a the-secret-value-42 é\n');
    assert.deepEqual(sink.lines, ['a *** é']);
    await exec({ command: 'sh', args: ['-c', script], onStdout: (c) => chunks.push(c) });
    assert.equal(chunks.join(''), 'a the-secret-value-42 é\n');
  });

  it('fails with the command, the exit code and the masked tail of stderr', async () => {
    const { exec } = setup();
    await assert.rejects(
      exec({
        command: 'sh',
        args: ['-c', 'echo "error: token $S rejected" >&2; exit 3'],
        env: { PATH: process.env.PATH, S: 'the-secret-value-42' },
      }),
      (err: ExecError) => {
        assert.ok(err instanceof ExecError);
        assert.equal(err.exitCode, 3);
        assert.match(err.message, /^sh -c .* failed \(exit code 3\)\nerror: token \*\*\* rejected$/);
        assert.doesNotMatch(err.message, /the-secret-value-42/);
        return true;
      },
    );
  });

  it('returns the whole output of an exit code given as fine (kubectl diff exits 1 on differences)', async () => {
    const { exec } = setup();
    const r = await exec({
      command: 'sh',
      args: ['-c', 'seq 1 40; exit 1'],
      env: { PATH: process.env.PATH },
      okExitCodes: [1],
    });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout.trim().split('\n').length, 40, 'not cut to the last 15 lines');
    // Any other code is still a failure.
    await assert.rejects(
      exec({ command: 'sh', args: ['-c', 'exit 2'], env: { PATH: process.env.PATH }, okExitCodes: [1] }),
      (err: ExecError) => err instanceof ExecError && err.exitCode === 2,
    );
  });

  it('hides the output of silent commands, even masked, even on failure', async () => {
    const { sink, exec } = setup();
    await assert.rejects(
      exec({
        command: 'sh',
        args: ['-c', 'echo "secret data: $D" >&2; exit 1'],
        env: { D: 'xyzzy' },
        stream: true,
        silent: true,
      }),
      (err: Error) => !err.message.includes('xyzzy') && err.message.includes('(output hidden)'),
    );
    assert.deepEqual(sink.lines, []);
  });

  it('passes input on stdin (how secret manifests reach kubectl)', async () => {
    const { exec } = setup();
    const r = await exec({ command: 'sh', args: ['-c', 'wc -c'], input: 'hello' });
    assert.equal(r.stdout.trim(), '5');
  });

  it('refuses to put a secret on a command line', async () => {
    const { exec } = setup();
    await assert.rejects(exec({ command: 'echo', args: ['--token=the-secret-value-42'] }), (err: Error) => {
      assert.ok(err instanceof PluginError);
      assert.match(err.message, /a secret would appear on its command line/);
      assert.doesNotMatch(err.message, /the-secret-value-42/);
      return true;
    });
  });

  it('times out with a clear error', async () => {
    const { exec } = setup();
    await assert.rejects(exec({ command: 'sleep', args: ['5'], timeoutMs: 200 }), (err: Error) => {
      assert.ok(err instanceof TimeoutError);
      assert.match(err.message, /^sleep 5 did not finish within 0 s/);
      return true;
    });
  });

  it('says when a command is not installed', async () => {
    const { exec } = setup();
    await assert.rejects(
      exec({ command: 'no-such-tool-xyz', args: [] }),
      /no-such-tool-xyz was not found: is it installed and on PATH\?/,
    );
  });

  it('runs with exactly the given environment when one is given', async () => {
    const { exec } = setup();
    const r = await exec({
      command: '/bin/sh',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
      args: ['-c', 'echo "${ONLY:-unset} ${HOME:-nohome}"'],
      env: { ONLY: 'yes' },
    });
    assert.equal(r.stdout.trim(), 'yes nohome');
  });
});
