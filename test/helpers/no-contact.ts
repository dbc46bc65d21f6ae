// Deps for a plugin run that must stop before it contacts anything: a Google client and an
// exec that record each call and fail, and a logger that keeps its lines.
import { createLogger, memorySink } from '../../common/log.ts';

export function noContactDeps() {
  const calls: string[] = [];
  const sink = memorySink();
  return {
    calls,
    sink,
    deps: {
      log: createLogger({ sink }),
      googleClient: async () => {
        calls.push('google');
        throw new Error('no cluster may be contacted');
      },
      exec: async () => {
        calls.push('exec');
        throw new Error('no command may run');
      },
    },
  };
}
