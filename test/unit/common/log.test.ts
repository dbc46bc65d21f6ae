import assert from 'node:assert/strict';
import { createLogger, memorySink } from '../../../common/log.ts';
import { Masker } from '../../../common/mask.ts';

describe('createLogger', () => {
  it('masks every line, splits multi-line messages, and prefixes warnings', () => {
    const masker = new Masker();
    masker.add('hunter2-secret');
    const sink = memorySink();
    const log = createLogger({ masker, sink });
    log.info('using hunter2-secret\nsecond line');
    log.warn('careful');
    log.error('gke-deploy failed: hunter2-secret');
    log.debug('hidden');
    log.setDebug(true);
    log.debug('shown');
    assert.deepEqual(sink.lines, [
      'using ***',
      'second line',
      'warning: careful',
      'gke-deploy failed: ***',
      'debug: shown',
    ]);
  });

  it('prints a section heading on its own line', () => {
    const sink = memorySink();
    createLogger({ sink }).section('Preflight');
    assert.deepEqual(sink.lines, ['', '== Preflight']);
  });

  it('throttles progress lines per key, but always prints the final one', () => {
    let t = 0;
    const sink = memorySink();
    const log = createLogger({ sink, now: () => t, progressIntervalMs: 1000 });
    log.progress('a', 'a 1/3');
    t = 500;
    log.progress('a', 'a 2/3 (throttled)');
    log.progress('b', 'b 1/3');
    t = 1200;
    log.progress('a', 'a 2/3');
    t = 1300;
    log.progress('a', 'a 3/3 done', true);
    assert.deepEqual(sink.lines, ['a 1/3', 'b 1/3', 'a 2/3', 'a 3/3 done']);
  });
});
