// gcs-static-sync cancelled as runners cancel it (SIGTERM; SIGINT for Ctrl-C; a second signal),
// through the bundle in a child process against fake-gcs-server. A gate of the test's own sits
// between the two and holds chosen requests until the test lets them go, so the signal always
// arrives with a known set of uploads in flight. (The testbed's fault proxy is shared with
// other test runs, whose fault plans and resets would reach these requests; the gate is
// private.) Each test then checks what the bucket holds, that nothing was deleted and no CDN
// call was made, the summary, the exit code, and that the run's TMPDIR is empty.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateBundle } from '../../helpers/bundle.ts';
import { type Running, startBundle } from '../../helpers/bundle-process.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { createBucket, listObjectNames } from '../../testbed/servers/client.ts';
import { type Listening, listen } from '../../testbed/servers/http-util.ts';
import type { TestbedState } from '../../testbed/state.ts';

interface Held {
  line: string;
  /** Sends the request on to fake-gcs-server. */
  release(): void;
  /** Answers it with this status and a Google API error, as an overloaded backend does. */
  answer(status: number): void;
  /** Cuts the connection. */
  drop(): void;
}

interface Gate extends Listening {
  /** "METHOD /path?query" of every request, in order of arrival. */
  lines: string[];
  /** Which requests to hold (the others are forwarded at once). */
  hold: (line: string) => boolean;
  held: Held[];
  waitHeld(n: number, timeoutMs?: number): Promise<void>;
}

/** A reverse proxy in front of `upstream` that holds the requests `hold` picks. */
async function startGate(upstream: string): Promise<Gate> {
  const up = new URL(upstream);
  const forward = (req: IncomingMessage, res: ServerResponse, base: string) => {
    const out = request(
      {
        host: up.hostname,
        port: up.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: up.host },
      },
      (upRes) => {
        const headers = { ...upRes.headers };
        // Resumable-upload sessions must come back through the gate too.
        if (typeof headers.location === 'string' && headers.location.startsWith(up.origin))
          headers.location = base + headers.location.slice(up.origin.length);
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };
  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    const base = `http://${req.headers.host}`;
    gate.lines.push(line);
    if (!gate.hold(line)) {
      forward(req, res, base);
      return;
    }
    gate.held.push({
      line,
      release: () => forward(req, res, base),
      answer: (status) => {
        req.on('end', () => {
          const message = `Backend Error (injected by the test's gate)`;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: { code: status, message, errors: [{ message, reason: 'backendError' }] },
            }),
          );
        });
        req.resume();
      },
      drop: () => req.socket.destroy(),
    });
  });
  const listening = await listen(server, 0, 'http');
  const gate: Gate = {
    ...listening,
    lines: [],
    hold: () => false,
    held: [],
    waitHeld(n, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          if (gate.held.length >= n) resolve();
          else if (Date.now() > until)
            reject(new Error(`${gate.held.length} of ${n} requests held:\n${gate.lines.join('\n')}`));
          else setTimeout(check, 20);
        };
        check();
      });
    },
  };
  return gate;
}

/** A Compute API stand-in that counts CDN invalidations. */
async function startCompute(): Promise<Listening & { requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: 'operation-1' }));
  });
  return { ...(await listen(server, 0, 'http')), requests };
}

/** The value of the summary line `label:` (the summary comes last). */
function summaryLine(output: string, label: string): string {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(`${label}:`));
  if (!line) throw new Error(`no "${label}:" line in the output:\n${output}`);
  return line.slice(label.length + 1).trim();
}

const FILES = Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
const STALE = ['old/gone-0.txt', 'old/gone-1.txt'];
const isUpload = (line: string) => line.startsWith('POST /upload/');

describe('gcs-static-sync cancelled mid-sync (the bundle, signalled)', function () {
  this.timeout(120_000);
  let state: TestbedState;
  let entry: string;
  let gate: Gate;
  let compute: Listening & { requests: string[] };
  let src: string;
  const running: Running[] = [];

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    entry = await privateBundle('gcs-static-sync');
    gate = await startGate(state.gcs.url);
    compute = await startCompute();
    src = mkdtempSync(join(tmpdir(), 'gss-cancel-src-'));
    for (const f of FILES) writeFileSync(join(src, f), `file ${f}\n`);
  });
  afterEach(() => {
    for (const h of gate.held.splice(0)) h.drop();
    gate.hold = () => false;
    gate.lines.length = 0;
    compute.requests.length = 0;
    for (const r of running.splice(0)) r.cleanup();
  });
  after(async () => {
    await gate?.close();
    await compute?.close();
    if (src) rmSync(src, { recursive: true, force: true });
  });

  /** A bucket that already holds two objects a whole sync with `delete` would remove. */
  async function bucketWithStaleObjects(): Promise<string> {
    const bucket = await createBucket(state, 'gss-cancel');
    for (const name of STALE) {
      const url = `${state.gcs.url}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}`;
      const res = await fetch(url, {
        method: 'POST',
        body: 'stale',
        headers: { 'content-type': 'text/plain' },
      });
      assert.ok(res.ok, `${name}: ${res.status}`);
    }
    return bucket;
  }

  function start(bucket: string, extra: Record<string, string> = {}): Running {
    const r = startBundle(entry, {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: state.ca.bundle,
      PLUGIN_SOURCE: src,
      PLUGIN_TARGET: bucket,
      PLUGIN_STORAGE_ENDPOINT: gate.url,
      PLUGIN_TOKEN: readFileSync(state.credentials.serviceAccountKeyFile, 'utf8'),
      PLUGIN_TOKEN_URL: state.gke.tokenUrl,
      PLUGIN_DELETE: 'true',
      PLUGIN_CDN_INVALIDATE: 'assets-map',
      PLUGIN_COMPUTE_ENDPOINT: compute.url,
      ...extra,
    });
    running.push(r);
    return r;
  }

  const uploadsTo = (bucket: string) => gate.lines.filter((l) => isUpload(l) && l.includes(`/b/${bucket}/`));
  const deletesIn = (bucket: string) =>
    gate.lines.filter((l) => l.startsWith('DELETE') && l.includes(`/b/${bucket}/`));

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} with two uploads in flight: they finish, no other starts, nothing is deleted, no CDN call; exit ${code}`, async () => {
      const bucket = await bucketWithStaleObjects();
      gate.hold = isUpload;
      const run = start(bucket, { PLUGIN_CONCURRENCY: '2' });
      await gate.waitHeld(2);
      run.signal(signal);
      await run.waitFor(new RegExp(`received ${signal}: gcs-static-sync is stopping cleanly`));
      gate.hold = () => false;
      for (const h of gate.held.splice(0)) h.release();
      const r = await run.done;

      assert.equal(r.code, code, r.output);
      assert.equal(
        uploadsTo(bucket).length,
        2,
        `no upload starts after the signal:\n${gate.lines.join('\n')}`,
      );
      const names = (await listObjectNames(state, bucket)).sort();
      assert.deepEqual(
        names.filter((n) => n.startsWith('old/')),
        STALE,
        'the objects to delete are still there',
      );
      assert.equal(
        names.filter((n) => FILES.includes(n)).length,
        2,
        `the two in flight were stored: ${names}`,
      );
      assert.deepEqual(deletesIn(bucket), []);
      assert.deepEqual(compute.requests, [], 'no CDN invalidation for a half sync');

      assert.match(r.stdout, /no new upload or update is started; those in flight finish, not retried/);
      assert.match(r.stderr, /not deleting 2 objects under gs:\/\/\S+: the run was cancelled \(SIG\w+\)/);
      assert.match(r.stderr, /no CDN invalidation: the run was cancelled half way/);
      // The paths this run changed, for a person to invalidate after the next sync.
      const written = names.filter((n) => FILES.includes(n)).map((n) => `/${n}`);
      assert.match(
        r.stderr,
        new RegExp(`once it has run, invalidate ${written.join(', ').replaceAll('.', '\\.')}$`, 'm'),
      );
      assert.match(summaryLine(r.stdout, 'uploaded'), /^2 files, /);
      assert.equal(
        summaryLine(r.stdout, 'not uploaded'),
        '8 files (the run was cancelled before they started)',
      );
      assert.equal(summaryLine(r.stdout, 'deleted'), '0 objects (2 not deleted: the run was cancelled)');
      assert.equal(summaryLine(r.stdout, 'failed'), '0 files');
      assert.match(
        r.stderr,
        new RegExp(
          `^gcs-static-sync cancelled by ${signal}: 2 of 10 files uploaded; 2 objects not deleted; no CDN invalidation; run the sync again to finish it$`,
          'm',
        ),
      );
      assert.deepEqual(run.leftovers(), [], 'TMPDIR is empty');

      // What it left is a sync half done, which the next run finishes.
      const next = await start(bucket).done;
      assert.equal(next.code, 0, next.output);
      assert.match(summaryLine(next.stdout, 'uploaded'), /^8 files, /);
      assert.match(summaryLine(next.stdout, 'deleted'), /^2 objects/);
      assert.deepEqual((await listObjectNames(state, bucket)).sort(), FILES);
    });
  }

  it('an upload in flight that fails after the signal is not retried', async () => {
    const bucket = await bucketWithStaleObjects();
    gate.hold = isUpload;
    const run = start(bucket, { PLUGIN_CONCURRENCY: '1' });
    await gate.waitHeld(1);
    run.signal('SIGTERM');
    await run.waitFor(/received SIGTERM: gcs-static-sync is stopping cleanly/);
    // From here a retry would go through and succeed.
    gate.hold = () => false;
    gate.held.splice(0)[0]?.answer(503);
    const r = await run.done;

    assert.equal(r.code, 143, r.output);
    assert.equal(uploadsTo(bucket).length, 1, `one try, no retry:\n${gate.lines.join('\n')}`);
    assert.deepEqual((await listObjectNames(state, bucket)).sort(), STALE);
    assert.deepEqual(compute.requests, []);
    assert.match(
      r.stderr,
      /^failed: f\d\d\.txt: upload failed: .*\(the run was cancelled: no further retry\)$/m,
    );
    assert.equal(summaryLine(r.stdout, 'failed'), '1 file');
    assert.equal(
      summaryLine(r.stdout, 'not uploaded'),
      '9 files (the run was cancelled before they started)',
    );
    assert.match(
      r.stderr,
      /^gcs-static-sync cancelled by SIGTERM: 0 of 10 files uploaded, 1 file failed; 2 objects not deleted; run the sync again to finish it$/m,
    );
    assert.deepEqual(run.leftovers(), []);
  });

  it('a signal during the listing: nothing is uploaded or deleted', async () => {
    const bucket = await bucketWithStaleObjects();
    gate.hold = (line) => line.startsWith(`GET /storage/v1/b/${bucket}/o`);
    const run = start(bucket);
    await gate.waitHeld(1);
    run.signal('SIGTERM');
    await run.waitFor(/received SIGTERM: gcs-static-sync is stopping cleanly/);
    gate.hold = () => false;
    for (const h of gate.held.splice(0)) h.release();
    const r = await run.done;

    assert.equal(r.code, 143, r.output);
    assert.deepEqual(uploadsTo(bucket), []);
    assert.deepEqual(deletesIn(bucket), []);
    assert.deepEqual((await listObjectNames(state, bucket)).sort(), STALE);
    assert.deepEqual(compute.requests, []);
    assert.equal(
      summaryLine(r.stdout, 'not uploaded'),
      '10 files (the run was cancelled before they started)',
    );
    assert.match(
      r.stderr,
      /^gcs-static-sync cancelled by SIGTERM: 0 of 10 files uploaded; 2 objects not deleted; run the sync again to finish it$/m,
    );
    assert.deepEqual(run.leftovers(), []);
  });

  it('a second signal ends it at once, uploads still in flight, and leaves TMPDIR empty', async () => {
    const bucket = await bucketWithStaleObjects();
    gate.hold = isUpload;
    const run = start(bucket, { PLUGIN_CONCURRENCY: '2' });
    await gate.waitHeld(2);
    run.signal('SIGTERM');
    await run.waitFor(/received SIGTERM: gcs-static-sync is stopping cleanly/);
    const second = Date.now();
    run.signal('SIGTERM');
    const r = await run.done;

    assert.equal(r.code, 143, r.output);
    assert.ok(Date.now() - second < 5000, `ended ${Date.now() - second} ms after the second signal`);
    assert.match(r.stderr, /^gcs-static-sync stopped by SIGTERM \(second signal\)$/m);
    assert.doesNotMatch(r.stdout, /^uploaded:/m, 'no summary: it did not wait for the uploads');
    assert.deepEqual(run.leftovers(), []);
    // The two uploads never reached the bucket, and nothing was deleted.
    assert.deepEqual((await listObjectNames(state, bucket)).sort(), STALE);
    assert.deepEqual(deletesIn(bucket), []);
    assert.deepEqual(compute.requests, []);
  });
});
