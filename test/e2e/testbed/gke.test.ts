// The GKE half of the testbed, end to end with the real libraries and binaries:
// google-auth-library (service-account JWT grant, external_account STS exchange) -> local
// OAuth/STS -> access token -> local Kubernetes Engine API -> kubeconfig -> kubectl -> cluster.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { GoogleAuth, JWT } from 'google-auth-library';
import { useTestbed } from '../../testbed/hooks.ts';
import { httpGet } from '../../testbed/http.ts';
import { redirectTokenEndpoint } from '../../testbed/servers/auth-probe.ts';
import {
  clearGkeFaults,
  type GkeClusterLike,
  gkeFaults,
  patchGkeCluster,
  resetGkeCluster,
  setGkeFaults,
  writeKubeconfigFromCluster,
} from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

interface Cluster extends GkeClusterLike {
  location: string;
  status: string;
  selfLink: string;
  currentMasterVersion: string;
}

interface ProbeResult {
  ok: boolean;
  type?: string;
  token?: string;
  status?: number;
  body?: unknown;
  error?: string;
}

describe('testbed: GKE API and Google OAuth endpoints', function () {
  this.timeout(60_000);
  let state: TestbedState;
  let caPem: string;
  let agent: Agent;
  let work: string;

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    caPem = readFileSync(state.ca.cert, 'utf8');
    // In this (mocha) process the testbed CA may not be in NODE_EXTRA_CA_CERTS, so the
    // in-process clients get it through an agent; the child-process cases below use the bundle.
    agent = new Agent({ ca: caPem });
    work = mkdtempSync(join(tmpdir(), 'testbed-gke-'));
  });

  after(() => {
    agent?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const clusterUrl = (location: string, name: string, form: 'locations' | 'zones' = 'locations') =>
    `${state.gke.apiEndpoint}/v1/projects/${state.project.id}/${form}/${location}/clusters/${name}`;

  /** A GoogleAuth client for a service-account key, its token requests sent to the testbed. */
  async function serviceAccountClient() {
    const auth = new GoogleAuth({
      keyFile: state.credentials.serviceAccountKeyFile,
      scopes: SCOPES,
      clientOptions: { transporterOptions: { agent } },
    });
    const client = await auth.getClient();
    redirectTokenEndpoint(client, state.gke.tokenUrl);
    return client;
  }

  /** Runs the auth probe in a child process that trusts the testbed only through the CA bundle. */
  async function probe(credentials: string, tokenUrl: string, url?: string, env: NodeJS.ProcessEnv = {}) {
    const entry = fileURLToPath(new URL('../../testbed/servers/auth-probe.ts', import.meta.url));
    const res = await execa(
      process.execPath,
      ['--import', 'tsx', entry, credentials, tokenUrl, ...(url ? [url] : [])],
      {
        cwd: state.root,
        env: { NODE_EXTRA_CA_CERTS: state.ca.bundle, ...env },
        reject: false,
      },
    );
    const line = res.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as ProbeResult;
    } catch {
      throw new Error(`auth probe printed no JSON: ${res.stdout}\n${res.stderr}`);
    }
  }

  it('service-account key: google-auth-library gets the token the apiservers accept', async () => {
    const client = await serviceAccountClient();
    const { token } = await client.getAccessToken();
    assert.equal(token, state.token);
  });

  it('service-account key: the token fetches every cluster from the Kubernetes Engine API', async function () {
    if (state.clusters.length === 0) this.skip();
    const client = await serviceAccountClient();
    for (const c of state.clusters) {
      const res = await client.request<Cluster>({ url: clusterUrl(c.location, c.name) });
      assert.equal(res.status, 200);
      const cl = res.data;
      assert.equal(cl.name, c.name);
      assert.equal(cl.location, c.location);
      assert.equal(cl.status, 'RUNNING');
      assert.equal(cl.endpoint, c.endpoint);
      assert.match(cl.endpoint, /^127\.0\.0\.1:\d+$/);
      assert.equal(
        cl.selfLink,
        `https://container.googleapis.com/v1/projects/${state.project.id}/locations/${c.location}/clusters/${c.name}`,
      );
      const ca = Buffer.from(cl.masterAuth.clusterCaCertificate, 'base64').toString('utf8');
      assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
      assert.equal(ca.trim(), readFileSync(c.caFile, 'utf8').trim());
      assert.match(cl.currentMasterVersion, /^\d+\.\d+\.\d+-gke\./);
    }
    const zonal = await client.request<Cluster>({
      url: clusterUrl(state.clusters[0]!.location, state.clusters[0]!.name, 'zones'),
    });
    assert.equal(zonal.data.name, state.clusters[0]!.name);
    const list = await client.request<{ clusters: Cluster[] }>({
      url: `${state.gke.apiEndpoint}/v1/projects/${state.project.id}/locations/-/clusters`,
    });
    assert.deepEqual(list.data.clusters.map((c) => c.name).sort(), state.clusters.map((c) => c.name).sort());
  });

  it('a kubeconfig built from the API response works with kubectl on every cluster', async function () {
    if (state.clusters.length === 0) this.skip();
    const client = await serviceAccountClient();
    const { token } = await client.getAccessToken();
    for (const c of state.clusters) {
      const res = await client.request<Cluster>({ url: clusterUrl(c.location, c.name) });
      const file = join(work, `${c.name}.kubeconfig`);
      writeKubeconfigFromCluster(file, res.data, token!);
      const out = await execa(state.tools.kubectl!, ['--kubeconfig', file, 'get', 'nodes', '-o', 'name'], {
        reject: false,
      });
      assert.equal(out.exitCode, 0, out.stderr);
      assert.match(out.stdout, /^node\//m);
    }
  });

  it('a wrong or missing token is refused by the GKE API (Google JSON errors) and by the apiserver', async function () {
    const c = state.clusters[0];
    const url = c ? clusterUrl(c.location, c.name) : clusterUrl('asia-northeast1', 'none');
    const missing = await httpGet(url, { ca: caPem });
    assert.equal(missing.status, 401);
    assert.equal((JSON.parse(missing.body) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
    const wrong = await httpGet(url, { ca: caPem, token: 'not-the-token' });
    assert.equal(wrong.status, 401);
    const err = (JSON.parse(wrong.body) as { error: { code: number; message: string; status: string } })
      .error;
    assert.equal(err.code, 401);
    assert.equal(err.status, 'UNAUTHENTICATED');
    assert.match(err.message, /invalid authentication credentials/);
    if (!c) this.skip();
    const cl = JSON.parse((await httpGet(url, { ca: caPem, token: state.token })).body) as Cluster;
    const file = join(work, 'wrong-token.kubeconfig');
    writeKubeconfigFromCluster(file, cl, 'not-the-token');
    const out = await execa(state.tools.kubectl!, ['--kubeconfig', file, 'get', 'nodes'], { reject: false });
    assert.notEqual(out.exitCode, 0);
    assert.match(out.stderr, /Unauthorized|must be logged in/);
  });

  it('an unknown cluster is 404 NOT_FOUND, another project is 403 PERMISSION_DENIED', async () => {
    const notFound = await httpGet(clusterUrl('asia-northeast1', 'no-such-cluster'), {
      ca: caPem,
      token: state.token,
    });
    assert.equal(notFound.status, 404);
    assert.deepEqual(JSON.parse(notFound.body), {
      error: {
        code: 404,
        message: `Not found: projects/${state.project.id}/locations/asia-northeast1/clusters/no-such-cluster.`,
        status: 'NOT_FOUND',
      },
    });
    const other = await httpGet(
      `${state.gke.apiEndpoint}/v1/projects/someone-else/locations/us-central1/clusters/x`,
      {
        ca: caPem,
        token: state.token,
      },
    );
    assert.equal(other.status, 403);
    assert.equal((JSON.parse(other.body) as { error: { status: string } }).error.status, 'PERMISSION_DENIED');
  });

  it('an assertion signed with another key gets invalid_grant', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwt = new JWT({
      email: state.credentials.serviceAccountEmail,
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      scopes: SCOPES,
      transporterOptions: { agent },
    });
    redirectTokenEndpoint(jwt, state.gke.tokenUrl);
    await assert.rejects(jwt.authorize(), /invalid_grant: Invalid JWT Signature/);
  });

  it('the OAuth endpoint answers unknown grant types in Google OAuth error JSON', async () => {
    const res = await fetchForm(state.gke.tokenUrl, { grant_type: 'password', username: 'x' });
    assert.equal(res.status, 400);
    assert.equal((res.body as { error: string }).error, 'unsupported_grant_type');
  });

  it('service-account key in a plugin-like process: trusted through NODE_EXTRA_CA_CERTS only', async () => {
    const c = state.clusters[0];
    const r = await probe(
      state.credentials.serviceAccountKeyFile,
      state.gke.tokenUrl,
      c ? clusterUrl(c.location, c.name) : undefined,
    );
    assert.equal(r.ok, true, r.error);
    assert.equal(r.token, state.token);
    if (c) {
      assert.equal(r.status, 200);
      assert.equal((r.body as Cluster).name, c.name);
    }
    const untrusted = await probe(state.credentials.serviceAccountKeyFile, state.gke.tokenUrl, undefined, {
      NODE_EXTRA_CA_CERTS: '',
    });
    assert.equal(untrusted.ok, false);
    assert.match(untrusted.error ?? '', /certificate/);
  });

  it('external_account (file-sourced subject token): the STS exchange yields the token', async () => {
    const c = state.clusters[0];
    const r = await probe(
      state.credentials.externalAccountFile,
      '-',
      c ? clusterUrl(c.location, c.name) : undefined,
    );
    assert.equal(r.ok, true, r.error);
    assert.equal(r.type, 'external_account');
    assert.equal(r.token, state.token);
    if (c) assert.equal(r.status, 200);
    const impersonated = await probe(state.credentials.externalAccountImpersonationFile, '-');
    assert.equal(impersonated.ok, true, impersonated.error);
    assert.equal(impersonated.token, state.token);
  });

  it('external_account with a wrong subject token gets invalid_grant from STS', async () => {
    const res = await fetchForm(state.gke.stsUrl, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: state.credentials.audience,
      scope: SCOPES[0]!,
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: 'forged',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    });
    assert.equal(res.status, 400);
    assert.equal((res.body as { error: string }).error, 'invalid_grant');
  });

  it('tests can fault the GKE API and patch what it reports', async function () {
    const c = state.clusters[0];
    if (!c) this.skip();
    const url = clusterUrl(c.location, c.name);
    try {
      await setGkeFaults(state, [503, 429], '/clusters/');
      const first = await httpGet(url, { ca: caPem, token: state.token });
      assert.equal(first.status, 503);
      assert.equal((JSON.parse(first.body) as { error: { status: string } }).error.status, 'UNAVAILABLE');
      assert.equal((await httpGet(url, { ca: caPem, token: state.token })).status, 429);
      assert.equal((await httpGet(url, { ca: caPem, token: state.token })).status, 200);
      const faults = await gkeFaults(state);
      assert.deepEqual(
        faults.injected.map((f) => f.fault),
        [503, 429],
      );
      await patchGkeCluster(state, c.name, { status: 'RECONCILING', endpoint: null });
      const patched = JSON.parse(
        (await httpGet(url, { ca: caPem, token: state.token })).body,
      ) as Partial<Cluster>;
      assert.equal(patched.status, 'RECONCILING');
      assert.equal(patched.endpoint, undefined);
      await resetGkeCluster(state, c.name);
      const back = JSON.parse((await httpGet(url, { ca: caPem, token: state.token })).body) as Cluster;
      assert.equal(back.status, 'RUNNING');
      assert.equal(back.endpoint, c.endpoint);
    } finally {
      await clearGkeFaults(state);
      await resetGkeCluster(state, c.name);
    }
  });

  /** POSTs a form to the testbed's HTTPS endpoints, trusting its CA. */
  async function fetchForm(
    url: string,
    form: Record<string, string>,
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const data = new URLSearchParams(form).toString();
      const req = httpsRequest(
        url,
        { method: 'POST', ca: caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }
});
