// The publish phase of gke-deploy and rollback, after everything else, also after a failure:
// the run's summary (the file it wrote) becomes Harness CI's output variables (DRONE_OUTPUT)
// and Drone's card (DRONE_CARD_PATH). Neither may change how the run ends: a problem here is a
// warning. A summary from an earlier run (this one stopped before writing its own) is left alone.
import { CARD_SCHEMA_BASE, type Card, writeCard, writeToStream } from '../card.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type Outputs, writeOutputs } from '../outputs.ts';
import type { Env } from '../settings.ts';
import { type DeploySummary, readSummary } from '../summary.ts';

/** The output variables of a deploy or rollback: the images, the clusters, the result, the way back. */
export function deployOutputs(summary: DeploySummary): Outputs {
  return {
    IMAGE: summary.images.join(','),
    CLUSTERS: summary.clusters.map((c) => c.id).join(','),
    RESULT: summary.result,
    ROLLBACK_COMMAND: summary.rollbackCommand,
  };
}

/** The card's data: what the template (docs/cards/<plugin>.json) shows. */
export function deployCard(summary: DeploySummary): Card {
  const seconds = Math.round((Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000);
  return {
    schema: `${CARD_SCHEMA_BASE}/${summary.plugin}.json`,
    data: {
      plugin: summary.plugin,
      result: summary.result,
      ok:
        summary.result === 'deployed' || (summary.plugin === 'rollback' && summary.result === 'rolled_back'),
      build: summary.build,
      images: summary.images.map((image) => ({ image })),
      clusters: summary.clusters.map((c) => ({
        id: c.id,
        namespace: c.namespace,
        result: c.result,
        ...(c.error ? { error: c.error } : {}),
      })),
      ...(summary.rollbackCommand ? { rollbackCommand: summary.rollbackCommand } : {}),
      ...(summary.message ? { message: summary.message } : {}),
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
      seconds,
    },
  };
}

/** The summary this run wrote, or undefined (none, another run's, or unreadable: warned). */
function summaryOfThisRun(file: string, started: number, log: Logger): DeploySummary | undefined {
  try {
    const summary = readSummary(file);
    return summary?.startedAt === new Date(started).toISOString() ? summary : undefined;
  } catch (err) {
    log.warn(`no output variables or card: ${errorMessage(err)}`);
    return undefined;
  }
}

/** Writes the output variables and the card of this run, where the CI asked for them. */
export function publishSummary(
  env: Env,
  run: { summaryFile: string; started: number },
  log: Logger,
  stream: (path: string, text: string) => void = writeToStream,
): void {
  if (!env.DRONE_OUTPUT && !env.DRONE_CARD_PATH) return;
  const summary = summaryOfThisRun(run.summaryFile, run.started, log);
  if (!summary) return;
  try {
    const outputs = writeOutputs(env, deployOutputs(summary), log.masker);
    if (outputs) log.debug(`output variables appended to ${outputs}`);
    const card = writeCard(env, deployCard(summary), { masker: log.masker, stream });
    if (card) log.debug(`card written to ${card}`);
  } catch (err) {
    log.warn(`could not write the output variables or the card: ${errorMessage(err)}`);
  }
}
