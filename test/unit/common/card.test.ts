// The card format Drone's runner reads: JSON {schema, data}; on /dev/stdout base64 between
// ESC]1338; and ESC]0m (drone/runner-go livelog/extractor/writer.go, environ/environ.go),
// in a file as is (drone-plugins/drone-docker card.go).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Card, cardLine, writeCard } from '../../../common/card.ts';
import { Masker } from '../../../common/mask.ts';
import { extractCard } from '../../helpers/ci-files.ts';

const card: Card = { schema: 'https://example.com/card.json', data: { result: 'deployed', n: 2 } };

describe('cards', () => {
  it('writes a card line to the stream /dev/stdout names, in one write', () => {
    const writes: [string, string][] = [];
    const where = writeCard({ DRONE_CARD_PATH: '/dev/stdout' }, card, {
      masker: new Masker(),
      stream: (p, t) => writes.push([p, t]),
    });
    assert.equal(where, '/dev/stdout');
    assert.equal(writes.length, 1);
    assert.equal(writes[0]?.[0], '/dev/stdout');
    assert.match(writes[0]?.[1] ?? '', /^\u001b\]1338;[A-Za-z0-9+/=]+\u001b\]0m\n$/);
    assert.deepEqual(extractCard(writes[0]?.[1] ?? ''), card);
  });

  it('writes the JSON itself to any other path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'card-'));
    try {
      const file = join(dir, 'card.json');
      writeCard({ DRONE_CARD_PATH: file }, card, {
        masker: new Masker(),
        stream: () => assert.fail('no stream'),
      });
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), card);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing without DRONE_CARD_PATH', () => {
    assert.equal(
      writeCard({}, card, { masker: new Masker(), stream: () => assert.fail('no stream') }),
      undefined,
    );
  });

  it('masks secrets, also JSON-escaped ones, and stays valid JSON', () => {
    const masker = new Masker();
    masker.add('pa"ss\\word-1234');
    const writes: string[] = [];
    const secretCard: Card = { schema: 's', data: { error: 'login with pa"ss\\word-1234 refused' } };
    writeCard({ DRONE_CARD_PATH: '/dev/stdout' }, secretCard, { masker, stream: (_p, t) => writes.push(t) });
    const text = JSON.stringify(extractCard(writes.join('')));
    assert.ok(!text.includes('word-1234'), text);
    assert.match(text, /\*\*\*/);
  });

  it('encodes the line as the runner decodes it', () => {
    assert.equal(cardLine('{}'), '\u001b]1338;e30=\u001b]0m\n');
  });
});
