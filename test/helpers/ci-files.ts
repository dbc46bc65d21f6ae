// Reading what a plugin wrote for its CI the way the CI reads it: Drone's runner takes a card
// out of the step's output (drone/runner-go livelog/extractor/writer.go), Harness reads the
// DRONE_OUTPUT file as dotenv and decodes __B64__ values (harness/lite-engine
// pipeline/runtime/common.go).
import assert from 'node:assert/strict';

/** The card in a step's output: the JSON between ESC]1338; and ESC]0m, base64-decoded. */
export function extractCard(output: string): unknown {
  const m = /\u001b\]1338;(.*?)\u001b\]0m/.exec(output);
  assert.ok(m?.[1], 'the output has a card line');
  return JSON.parse(Buffer.from(m[1], 'base64').toString('utf8'));
}

/** The output variables in a DRONE_OUTPUT file's text: one a line, __B64__ values decoded. */
export function readOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const at = line.indexOf('=');
    const value = line.slice(at + 1);
    out[line.slice(0, at)] = value.startsWith('__B64__')
      ? Buffer.from(value.slice('__B64__'.length), 'base64').toString('utf8')
      : value;
  }
  return out;
}
