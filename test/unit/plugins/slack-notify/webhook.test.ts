// The real sender (@slack/webhook) against small local servers: what it reports, that it
// gives up on time, and that nothing of the webhook URL is in what it returns.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendWithSlackWebhook } from '../../../../plugins/slack-notify/webhook.ts';

const SECRET_PATH = '/services/T0SECRET/B0SECRET/webhooksecretpart';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${SECRET_PATH}` };
}

function assertNoUrl(outcome: unknown): void {
  const text = JSON.stringify(outcome);
  assert.doesNotMatch(text, /SECRET|secretpart|127\.0\.0\.1/);
}

describe('slack-notify webhook sender (@slack/webhook)', () => {
  it('posts the payload as JSON, without @slack/webhook transport options as fields', async () => {
    let body = '';
    const { server, url } = await serve((req, res) => {
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => res.end('ok'));
    });
    try {
      assert.deepEqual(await sendWithSlackWebhook(url, { text: 'hi' }, 5000), { ok: true, status: 200 });
      assert.deepEqual(JSON.parse(body), { text: 'hi' });
    } finally {
      server.close();
    }
  });

  it("reports Slack's status, answer and Retry-After, and nothing of the URL", async () => {
    const { server, url } = await serve((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(429, { 'retry-after': '7' }).end('rate_limited'));
    });
    try {
      const outcome = await sendWithSlackWebhook(url, { text: 'hi' }, 5000);
      assert.deepEqual(outcome, { ok: false, status: 429, body: 'rate_limited', retryAfter: 7 });
      assertNoUrl(outcome);
    } finally {
      server.close();
    }
  });

  it('reports a refused connection by its code', async () => {
    const { server, url } = await serve(() => {});
    server.close();
    await new Promise((r) => server.once('close', r));
    const outcome = await sendWithSlackWebhook(url, { text: 'hi' }, 5000);
    assert.deepEqual(outcome, { ok: false, code: 'ECONNREFUSED' });
    assertNoUrl(outcome);
  });

  it('says which port fetch refuses, instead of an unknown network error', async () => {
    const outcome = await sendWithSlackWebhook('http://127.0.0.1:9/services/T0/B0/x', { text: 'hi' }, 5000);
    assert.equal(outcome.ok, false);
    assert.match(String(!outcome.ok && outcome.unexpected), /refuses port 9 .*give the webhook another port/);
  });

  it('gives up when no answer comes within the time given', async () => {
    const { server, url } = await serve(() => {
      // never answers
    });
    try {
      const t0 = Date.now();
      const outcome = await sendWithSlackWebhook(url, { text: 'hi' }, 300);
      assert.deepEqual(outcome, { ok: false, code: 'TIMEOUT' });
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
