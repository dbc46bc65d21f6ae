// Hashing workers started before the plugin loads (hash/prestart.ts), then taken by hashFiles.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { hashFiles } from '../../../../../plugins/gcs-static-sync/hash/index.ts';
import {
  hashThreadCount,
  prestartHashWorkers,
  takePrestartedWorkers,
} from '../../../../../plugins/gcs-static-sync/hash/prestart.ts';

const early = hashThreadCount() - 1;

describe('gcs-static-sync: hashing workers started early', () => {
  let dir: string;
  let files: string[];
  let want: { size: number; md5: string }[];
  before(function () {
    if (early < 1) this.skip(); // one core: nothing is started early
    dir = mkdtempSync(join(tmpdir(), 'gss-prestart-'));
    const bodies = Array.from({ length: 100 }, (_, i) => Buffer.alloc(i * 1000, `body ${i}`));
    files = bodies.map((b, i) => {
      const f = join(dir, `f${i}.txt`);
      writeFileSync(f, b);
      return f;
    });
    want = bodies.map((b) => ({ size: b.length, md5: createHash('md5').update(b).digest('base64') }));
  });
  after(() => {
    takePrestartedWorkers(0);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hashFiles takes them and they hash like the others', async () => {
    prestartHashWorkers();
    const said: string[] = [];
    const got = await hashFiles(files, { concurrency: 16, debug: (m) => said.push(m) });
    assert.deepEqual(got, want);
    assert.deepEqual(said, [
      `hashing on ${early + 1} threads (the main one and ${early} workers, ${early} of them started before the plugin loaded)`,
    ]);
    assert.deepEqual(takePrestartedWorkers(4), [], 'each is taken once');
  });

  it('a run on fewer threads stops the ones it does not need', async () => {
    prestartHashWorkers();
    const said: string[] = [];
    const got = await hashFiles(files, { concurrency: 1, debug: (m) => said.push(m) });
    assert.deepEqual(got, want);
    assert.match(said.join('\n'), /on 1 threads \(the main one and 0 workers, 0 of them/);
    assert.deepEqual(takePrestartedWorkers(4), []);
  });

  it('one that fails while booting is dropped, and a fresh worker takes its place', async () => {
    const broken: Worker[] = [];
    prestartHashWorkers(() => {
      const w = new Worker('throw new Error("no such module")', { eval: true });
      broken.push(w);
      return w;
    });
    await Promise.all(broken.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    const said: string[] = [];
    const got = await hashFiles(files, { concurrency: 16, debug: (m) => said.push(m) });
    assert.deepEqual(got, want);
    assert.match(said.join('\n'), new RegExp(`and ${early} workers, 0 of them started before`));
  });

  it('an untaken one does not keep the process alive', async () => {
    const script = `
      import { prestartHashWorkers } from ${JSON.stringify(new URL('../../../../../plugins/gcs-static-sync/hash/prestart.ts', import.meta.url).href)};
      prestartHashWorkers();
      console.log('started');`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'started');
  });
});
