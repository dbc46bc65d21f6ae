import assert from 'node:assert/strict';
import { invalidateUrl } from '../../../../plugins/gcs-static-sync/cdn.ts';
import { collapsePaths, urlPathsOf } from '../../../../plugins/gcs-static-sync/cdn-paths.ts';

describe('gcs-static-sync: CDN paths', () => {
  it('maps object names to URL paths, with the folder URL of an index.html', () => {
    assert.deepEqual(urlPathsOf(['static/app/main.js', 'docs/index.html', 'index.html']), [
      '/static/app/main.js',
      '/docs/index.html',
      '/docs/',
      '/index.html',
      '/',
    ]);
  });

  it('keeps the paths as they are when there are at most max', () => {
    assert.deepEqual(collapsePaths(['/b.js', '/a.js', '/a.js'], 10), ['/a.js', '/b.js']);
    assert.deepEqual(collapsePaths([], 10), []);
  });

  it('collapses many files under one folder into folder/*', () => {
    const files = Array.from({ length: 40 }, (_, i) => `/static/app/chunk-${i}.js`);
    assert.deepEqual(collapsePaths([...files, '/index.html', '/'], 10), [
      '/',
      '/index.html',
      '/static/app/*',
    ]);
  });

  it('collapses the fullest folder first, then climbs until at most max remain', () => {
    const paths = [
      ...Array.from({ length: 5 }, (_, i) => `/static/js/${i}.js`),
      ...Array.from({ length: 3 }, (_, i) => `/static/css/${i}.css`),
      '/img/a.png',
      '/img/b.png',
    ];
    // /static/js/ holds the most: it goes first, and 6 paths are few enough.
    assert.deepEqual(collapsePaths(paths, 6), [
      '/img/a.png',
      '/img/b.png',
      '/static/css/0.css',
      '/static/css/1.css',
      '/static/css/2.css',
      '/static/js/*',
    ]);
    assert.deepEqual(collapsePaths(paths, 5), ['/img/a.png', '/img/b.png', '/static/css/*', '/static/js/*']);
    assert.deepEqual(collapsePaths(paths, 3), ['/img/*', '/static/css/*', '/static/js/*']);
    assert.deepEqual(collapsePaths(paths, 2), ['/img/*', '/static/*']);
    assert.deepEqual(collapsePaths(paths, 1), ['/*']);
  });

  it('a wildcard covers what lies below it, including the folder URL', () => {
    assert.deepEqual(collapsePaths(['/a/*', '/a/b.js', '/a/', '/c.js'], 10), ['/a/*', '/c.js']);
  });

  it('builds the urlMaps.invalidateCache URL', () => {
    assert.equal(
      invalidateUrl({ endpoint: 'https://compute.example/', project: 'my-proj', urlMap: 'assets' }),
      'https://compute.example/compute/v1/projects/my-proj/global/urlMaps/assets/invalidateCache',
    );
  });
});
