// Which status the message reports, and whether notify_on wants a message for it.
import { type BuildStatus, type DroneContext, deriveStatus } from '../../common/drone.ts';

export type NotifyOn = 'success' | 'failure' | 'fixed' | 'always';

export interface Decision {
  status: BuildStatus;
  notify: boolean;
  /** Why no message is posted (when notify is false). */
  reason?: string;
}

/**
 * The build's status (a failed step in a parallel pipeline means failure even while
 * DRONE_BUILD_STATUS still says success) and whether to post. "success" covers "fixed" too:
 * a fixed build is a successful one; notify_on: [failure, fixed] posts only on changes to green.
 */
export function decideNotification(ctx: DroneContext, notifyOn: readonly NotifyOn[]): Decision {
  const status = deriveStatus(ctx);
  const wanted = new Set(notifyOn);
  const notify = wanted.has('always') || wanted.has(status) || (status === 'fixed' && wanted.has('success'));
  if (notify) return { status, notify };
  return {
    status,
    notify,
    reason: `the build's status is ${status} and notify_on is ${[...wanted].join(', ')}`,
  };
}
