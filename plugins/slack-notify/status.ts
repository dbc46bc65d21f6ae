// Which status the message reports, and whether notify_on wants a message for it.
import { type BuildContext, type BuildStatus, deriveStatus } from '../../common/ci.ts';

export type NotifyOn = 'success' | 'failure' | 'fixed' | 'always';

export interface Decision {
  status: BuildStatus;
  notify: boolean;
  /** Why no message is posted (when notify is false). */
  reason?: string;
  /** Why the status may be wrong, to print before anything else. */
  warning?: string;
}

/**
 * Woodpecker before 3.15 sets no CI_PIPELINE_STATUS, and its Drone-compatibility
 * DRONE_BUILD_STATUS always says success: the status cannot be known there.
 */
function statusWarning(ctx: BuildContext): string | undefined {
  if (ctx.ci !== 'woodpecker' || ctx.build.status !== '') return undefined;
  return 'Woodpecker set no CI_PIPELINE_STATUS (it does from 3.15), so a failed pipeline cannot be told from a passed one; upgrade Woodpecker, or run this step with `when: status: [failure]` and notify_on: always for the failure message';
}

/**
 * The build's status (a failed step in a parallel pipeline means failure even while
 * DRONE_BUILD_STATUS still says success; under Woodpecker, its own CI_PIPELINE_STATUS
 * decides, never the compat DRONE_BUILD_STATUS) and whether to post. "success" covers "fixed" too:
 * a fixed build is a successful one; notify_on: [failure, fixed] posts only on changes to green.
 */
export function decideNotification(ctx: BuildContext, notifyOn: readonly NotifyOn[]): Decision {
  const status = deriveStatus(ctx);
  const wanted = new Set(notifyOn);
  const notify = wanted.has('always') || wanted.has(status) || (status === 'fixed' && wanted.has('success'));
  const warning = statusWarning(ctx);
  const base = { status, notify, ...(warning ? { warning } : {}) };
  if (notify) return base;
  return {
    ...base,
    reason: `the build's status is ${status} and notify_on is ${[...wanted].join(', ')}`,
  };
}
