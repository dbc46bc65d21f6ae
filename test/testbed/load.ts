// The Kubernetes half (tools.ts, kube/cluster.ts) is loaded lazily, so `up --clusters 0`
// needs no Kubernetes tools and importing the lifecycle does nothing.
import { errorMessage } from '../../common/errors.ts';

export async function loadModule<T>(relative: string, what: string): Promise<T> {
  const url = new URL(relative, import.meta.url);
  try {
    return (await import(url.href)) as T;
  } catch (err) {
    throw new Error(`testbed: cannot load ${what} (${relative}): ${errorMessage(err)}`);
  }
}
