// The deploy part of the default message, from the summary gke-deploy or rollback wrote:
// what happened, which image, on which clusters, which metrics check failed, and the one
// line that undoes it.
import type { ClusterSummary, DeploySummary } from '../../common/summary.ts';
import { LIMITS } from './limits.ts';
import { joinWithin } from './lists.ts';
import { code, codeBlock, escapeText, truncatePlain } from './mrkdwn.ts';
import { type Block, mrkdwn } from './payload.ts';

const RESULT: Record<DeploySummary['result'], string> = {
  deployed: ':rocket: *Deployed*',
  rolled_back: ':rewind: *Rolled back*',
  failed: ':warning: *Deploy failed, not rolled back*',
  dry_run: ':test_tube: *Dry run*, nothing changed',
  cancelled: ':octagonal_sign: *Deploy cancelled*',
  superseded: ':twisted_rightwards_arrows: *Superseded* by another deploy',
};

const CLUSTER_RESULT: Record<ClusterSummary['result'], string> = {
  deployed: 'deployed',
  rolled_back: 'rolled back',
  failed: 'failed',
  unchanged: 'unchanged',
  skipped: 'skipped',
  cancelled: 'cancelled, rollback not confirmed',
  superseded: 'superseded by another deploy',
};

function clusterCount(n: number): string {
  return `${n} cluster${n === 1 ? '' : 's'}`;
}

/** A few words for the headline: "deployed to 2 clusters", "rolled back". */
export function deployHeadline(s: DeploySummary): string {
  const n = s.clusters.length;
  switch (s.result) {
    case 'deployed':
      return `deployed to ${clusterCount(n)}`;
    case 'rolled_back':
      return s.plugin === 'rollback' ? `rolled back ${clusterCount(n)}` : 'deploy rolled back';
    case 'failed':
      return 'deploy failed';
    case 'dry_run':
      return 'deploy dry run';
    case 'cancelled':
      return 'deploy cancelled';
    case 'superseded':
      return 'deploy superseded';
  }
}

function clusterLine(c: ClusterSummary): string {
  const where = c.namespace ? `${c.id} (${c.namespace})` : c.id;
  const error = c.error ? `: ${escapeText(truncatePlain(c.error.replace(/\s+/g, ' '), 200))}` : '';
  return `• ${code(where)} ${CLUSTER_RESULT[c.result] ?? escapeText(String(c.result))}${error}`;
}

/** The metrics checks that failed (gke-deploy's analysis): which, where, with which value. */
function failedChecks(s: DeploySummary): string | undefined {
  const failed = (s.analysis ?? []).filter((a) => a.verdict === 'failed');
  if (failed.length === 0) return undefined;
  const lines = failed.map(
    (a) =>
      `• ${code(a.check)} on ${code(a.cluster)}: ${escapeText(truncatePlain(a.breach ?? 'failed', 200))}`,
  );
  return `*Failed check${failed.length === 1 ? '' : 's'}*\n${joinWithin(lines, '\n', LIMITS.sectionText - 20, 'checks')}`;
}

export function deployBlocks(s: DeploySummary): Block[] {
  const by = s.plugin === 'rollback' ? ' by the rollback plugin' : '';
  const message = s.message ? `\n${escapeText(truncatePlain(s.message, 1000))}` : '';
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(`${RESULT[s.result]}${by}${message}`) }];

  const images = s.images.map((i) => code(i));
  const fields = [
    mrkdwn(
      `*Image${images.length === 1 ? '' : 's'}*\n${joinWithin(images, '\n', LIMITS.fieldText - 10, 'images') || 'none recorded'}`,
    ),
    mrkdwn(`*Clusters*\n${clusterCount(s.clusters.length)}`),
  ];
  blocks.push({ type: 'section', fields });

  if (s.clusters.length > 0) {
    const lines = s.clusters.map(clusterLine);
    blocks.push({ type: 'section', text: mrkdwn(joinWithin(lines, '\n', LIMITS.sectionText, 'clusters')) });
  }
  const checks = failedChecks(s);
  if (checks) blocks.push({ type: 'section', text: mrkdwn(checks) });
  if (s.rollbackCommand) {
    // A cut command is worse than none: someone would paste it at 3 a.m.
    const block = codeBlock(s.rollbackCommand.replace(/\r?\n/g, ' '));
    // After a rollback the command puts back what was rolled back.
    const label =
      s.result === 'rolled_back'
        ? 'Undo with'
        : s.result === 'cancelled'
          ? 'Finish the rollback with'
          : 'Roll back with';
    const text =
      block.length <= LIMITS.sectionText - 20
        ? `*${label}*\n${block}`
        : `*${label}* the command in the deploy step's log (too long to show here)`;
    blocks.push({ type: 'section', text: mrkdwn(text) });
  }
  return blocks;
}
