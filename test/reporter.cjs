// Mocha's spec reporter, plus one closing line that CI reads: "tests: N passed, N failed".
// Plain CommonJS because mocha loads reporters with require().
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_HOOK_END } =
  Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    runner.on(EVENT_TEST_PASS, () => passed++);
    // A failing hook fails the tests it guards; mocha reports it as one failure.
    runner.on(EVENT_TEST_FAIL, () => failed++);
    runner.on(EVENT_TEST_PENDING, () => skipped++);
    runner.on(EVENT_HOOK_END, () => {});
    runner.once(EVENT_RUN_END, () => {
      const skip = skipped > 0 ? `, ${skipped} skipped` : '';
      process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skip}\n`);
    });
  }
}

module.exports = SummaryReporter;
