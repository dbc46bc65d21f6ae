// The deploy summary, when there is one. A missing file is normal (no deploy in this build);
// a file that is not a summary does not stop the message: the team still hears about the build.
import { statSync } from 'node:fs';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { type DeploySummary, readSummary } from '../../common/summary.ts';

export type SummaryLookup = { ok: true; summary: DeploySummary | undefined } | { ok: false; problem: string };

export function findDeploySummary(path: string, explicit: boolean, log: Logger): SummaryLookup {
  try {
    if (statSync(path).isDirectory()) {
      return { ok: false, problem: `${JSON.stringify(path)} is a folder; give the path of the summary file` };
    }
  } catch {
    // Missing: handled by readSummary below.
  }
  try {
    const summary = readSummary(path);
    if (!summary && explicit) log.info(`no deploy summary at ${path}: the message has no deploy details`);
    return { ok: true, summary };
  } catch (err) {
    log.warn(`${errorMessage(err)}: the message goes out without deploy details`);
    return { ok: true, summary: undefined };
  }
}
