// Harness's output variables (DRONE_OUTPUT) and Drone's card (DRONE_CARD_PATH) after real
// deploys and a real rollback on the testbed's two clusters, through the bundles, read the
// way each CI reads them (test/helpers/ci-files.ts); and rollback started by a Woodpecker
// `deployment` event, whose CI_PIPELINE_DEPLOY_TARGET picks `targets` and whose
// CI_PIPELINE_PARENT (the pipeline `woodpecker-cli pipeline deploy` restarted:
// woodpecker-ci/woodpecker server/pipeline/restart.go) names the build to go back to.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { extractCard, readOutputs } from '../../helpers/ci-files.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  deploymentOf,
  deployTestbed,
  gkeEnv,
  removeNamespaces,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from '../gke-deploy/harness.ts';

type CardJson = { schema: string; data: Record<string, unknown> & { clusters: { result: string }[] } };

describe('output variables and cards after real deploys; rollback under Woodpecker', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  let ns: string;
  let ws: string;

  const deploy = (build: number, tag: string, extra: Record<string, string> = {}) =>
    runPlugin(
      'gke-deploy',
      gkeEnv(tb, ns, {
        PLUGIN_CREATE_NAMESPACE: 'true',
        PLUGIN_VARS: JSON.stringify({ app: 'web', tag, deadline: 6 }),
        SECRET_API_TOKEN: 'canary-secret-outputs-31',
        DRONE_BUILD_NUMBER: String(build),
        ...extra,
      }),
      ws,
    );
  const clusterIds = () => tb.clusters.map((c) => `${c.location}/${c.name}`);
  const leaks = (text: string) => assertNoLeaks(text, [serviceAccountKey(tb), 'canary-secret-outputs-31']);

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await deployTestbed();
    ns = uniqueNamespace('ci');
    ws = workspace('web');
  });
  after(() => removeNamespaces(tb));

  it('a deploy writes IMAGE, CLUSTERS, RESULT and ROLLBACK_COMMAND, and a card on stdout', async () => {
    assert.equal((await deploy(1, 'v1')).code, 0);
    const out = join(ws, 'output-2.env');
    const r = await deploy(2, 'v2', { DRONE_OUTPUT: out, DRONE_CARD_PATH: '/dev/stdout' });
    assert.equal(r.code, 0, r.output);
    const text = readFileSync(out, 'utf8');
    const outputs = readOutputs(text);
    assert.equal(outputs.IMAGE, 'registry.local/app:v2');
    assert.deepEqual(outputs.CLUSTERS?.split(','), clusterIds());
    assert.equal(outputs.RESULT, 'deployed');
    assert.match(
      outputs.ROLLBACK_COMMAND ?? '',
      /^docker run --rm .*PLUGIN_TO_BUILD=1\b.*drone-gke-plugins\/rollback$/,
    );
    const card = extractCard(r.stdout) as CardJson;
    assert.match(card.schema, /\/gke-deploy\.json$/);
    assert.equal(card.data.result, 'deployed');
    assert.equal(card.data.ok, true);
    assert.deepEqual(card.data.images, [{ image: 'registry.local/app:v2' }]);
    assert.deepEqual(
      card.data.clusters.map((c) => c.result),
      ['deployed', 'deployed'],
    );
    assert.equal(card.data.rollbackCommand, outputs.ROLLBACK_COMMAND);
    leaks(`${text}\n${JSON.stringify(card)}`);
  });

  it('a failed deploy writes them too: RESULT=rolled_back, the card in the file Harness names', async () => {
    const out = join(ws, 'output-3.env');
    const cardFile = join(ws, 'card-3.json');
    const r = await deploy(3, 'broken', { DRONE_OUTPUT: out, DRONE_CARD_PATH: cardFile });
    assert.equal(r.code, 1, r.output);
    const text = readFileSync(out, 'utf8');
    assert.equal(readOutputs(text).RESULT, 'rolled_back');
    const card = JSON.parse(readFileSync(cardFile, 'utf8')) as CardJson;
    assert.equal(card.data.result, 'rolled_back');
    assert.equal(card.data.ok, false);
    assert.deepEqual(
      card.data.clusters.map((c) => c.result),
      ['rolled_back', 'rolled_back'],
    );
    leaks(`${text}\n${JSON.stringify(card)}`);
  });

  it('rollback on a Woodpecker deployment: the target picks the clusters, the parent the build', async () => {
    const out = join(ws, 'output-rollback.env');
    const env = gkeEnv(tb, 'ignored', {
      PLUGIN_TARGETS: JSON.stringify({
        production: { clusters: clusterIds(), namespace: ns },
        staging: { clusters: ['europe-west1/none'] },
      }),
      // As Woodpecker sets them for `woodpecker-cli pipeline deploy acme/web 1 production`
      // (pipeline/frontend/metadata/environment.go), with its compat DRONE_* copies.
      CI: 'woodpecker',
      CI_PIPELINE_EVENT: 'deployment',
      CI_PIPELINE_DEPLOY_TARGET: 'production',
      CI_PIPELINE_PARENT: '1',
      CI_PIPELINE_NUMBER: '4',
      CI_PIPELINE_STATUS: 'success',
      DRONE_BUILD_EVENT: 'deployment',
      DRONE_BUILD_PARENT: '1',
      DRONE_BUILD_NUMBER: '4',
      DRONE_BUILD_STATUS: 'success',
      DRONE_OUTPUT: out,
      DRONE_CARD_PATH: '/dev/stdout',
    });
    delete env.PLUGIN_CLUSTERS;
    const r = await runPlugin('rollback', env, ws);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /going back to build 1/);
    for (const cluster of [0, 1])
      assert.equal((await deploymentOf(tb, cluster, ns)).image, 'registry.local/app:v1');
    const outputs = readOutputs(readFileSync(out, 'utf8'));
    assert.equal(outputs.RESULT, 'rolled_back');
    assert.equal(outputs.IMAGE, 'registry.local/app:v1');
    const card = extractCard(r.stdout) as CardJson;
    assert.match(card.schema, /\/rollback\.json$/);
    assert.equal(card.data.ok, true);

    env.CI_PIPELINE_DEPLOY_TARGET = 'qa';
    const bad = await runPlugin('rollback', env, ws);
    assert.equal(bad.code, 1);
    assert.match(bad.output, /has no entry for CI_PIPELINE_DEPLOY_TARGET "qa" \(has: production, staging\)/);
  });
});
