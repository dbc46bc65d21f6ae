// `npm run check` part: the Dockerfiles' base-image digests and kubectl checksums are the ones
// scripts/images/pins.json records for the versions they name (pins.ts). Offline.
//   npx tsx scripts/images/check-pins.ts
import { pathToFileURL } from 'node:url';
import { checkPins } from './pins.ts';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = checkPins();
  if (problems.length > 0) {
    const list = problems.map((p) => `  - ${p}`).join('\n');
    console.error(
      `the Dockerfiles' pins do not match scripts/images/pins.json:\n${list}\n` +
        'run npx tsx scripts/images/update-pins.ts (docs/upgrades.md) to bring both up to date',
    );
    process.exitCode = 1;
  } else {
    console.log('Dockerfile pins match scripts/images/pins.json');
  }
}
