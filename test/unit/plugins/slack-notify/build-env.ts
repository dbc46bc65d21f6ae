// A typical build's Drone variables and deploy summary, for the unit and e2e tests.
import type { DeploySummary } from '../../../../common/summary.ts';

export const BUILD_ENV = {
  DRONE_REPO: 'acme/web',
  DRONE_REPO_LINK: 'https://git.example.com/acme/web',
  DRONE_BUILD_NUMBER: '42',
  DRONE_BUILD_LINK: 'https://drone.example.com/acme/web/42',
  DRONE_BUILD_EVENT: 'push',
  DRONE_BUILD_STARTED: String(Date.UTC(2026, 0, 5, 10, 0, 0) / 1000),
  DRONE_BUILD_STATUS: 'success',
  DRONE_COMMIT_SHA: '7fd1a60b01f91b314f59955a4e4d4e80d8edf11d',
  DRONE_COMMIT_LINK: 'https://git.example.com/acme/web/commit/7fd1a60b',
  DRONE_COMMIT_BRANCH: 'main',
  DRONE_COMMIT_MESSAGE: 'Cache the rendered manifests\n\nA body that is not shown.',
  DRONE_COMMIT_AUTHOR: 'octocat',
  DRONE_COMMIT_AUTHOR_NAME: 'The Octocat',
};

export function summary(over: Partial<DeploySummary> = {}): DeploySummary {
  return {
    version: 1,
    plugin: 'gke-deploy',
    result: 'deployed',
    startedAt: '2026-01-05T10:01:00Z',
    finishedAt: '2026-01-05T10:03:00Z',
    build: { number: 42 },
    images: ['web=gcr.io/acme/web:7fd1a60b'],
    clusters: [
      { id: 'asia-northeast1/prod-1', name: 'prod-1', namespace: 'web', result: 'deployed', workloads: [] },
      { id: 'us-central1/prod-2', name: 'prod-2', namespace: 'web', result: 'deployed', workloads: [] },
    ],
    rollbackCommand: 'docker run --rm -e PLUGIN_REVISION=41 acme/rollback',
    ...over,
  };
}
