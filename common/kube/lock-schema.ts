// Settings for running safely beside other deploys and being cancelled: one schema fragment
// shared by gke-deploy and rollback (lock.ts, abandoned.ts and cancel.ts do the work).
import { parseDuration } from '../duration.ts';
import type { SettingSpec } from '../schema.ts';

export const lockSettings = {
  lock: {
    type: 'string',
    enum: ['wait', 'fail', 'off'],
    default: 'wait',
    description:
      'One deploy at a time per cluster and namespace, through a Lease named `drone-gke-deploy` in the namespace (held by gke-deploy and rollback, renewed while held, expiring 30 s after its holder dies). `wait`: queue behind the holder (up to `lock_timeout`, printing who holds it); `fail`: stop at once when someone holds it; `off`: no lock and no deploy record (a killed run is then not repaired by the next one).',
  },
  lock_timeout: {
    type: 'string',
    format: 'duration',
    default: '10m',
    expected: 'a duration such as 90s, 10m or 1h',
    description: 'With `lock: wait`, how long to wait for another deploy to give the lock up.',
  },
  cancel_grace: {
    type: 'string',
    format: 'duration',
    default: '8s',
    expected: 'a duration such as 8s or 25s',
    description:
      "After SIGTERM or SIGINT (a cancelled build, `docker stop`): how long to wait for the clusters this run changed to be healthy again before exiting. Keep it below the runner's grace: 10 s for `docker stop` and `podman stop`, 20 s for Woodpecker 3.14 and later, 30 s for Kubernetes-based runners. Drone's docker runner kills at once (SIGKILL): the deploy record on the cluster then lets the next run repair it.",
  },
} satisfies Record<string, SettingSpec>;

/** The lock settings as a run uses them: a mode, and durations in milliseconds. */
export interface LockTimes {
  lock: 'wait' | 'fail' | 'off';
  lockTimeoutMs: number;
  cancelGraceMs: number;
}

/** Resolves the lock settings (the schema has checked the mode and the durations). */
export function resolveLockTimes(s: { lock: string; lock_timeout: string; cancel_grace: string }): LockTimes {
  return {
    lock: s.lock as LockTimes['lock'],
    lockTimeoutMs: parseDuration(s.lock_timeout),
    cancelGraceMs: parseDuration(s.cancel_grace),
  };
}
