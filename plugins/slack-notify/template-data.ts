// The variables a drone-slack template sees: repo.*, build.*, job.*, shaped as drone-slack's Go
// structs render through its handlebars engine (raymond): build.author prints the username,
// build.message the whole message (and has .title and .body), unset numbers are 0, and a few
// values keep drone-slack's defaults. Go field names also work capitalised ({{Build.Number}}).
import type { BuildContext } from '../../common/ci.ts';

/** An object that prints as one of its fields, as a Go struct with a String() method does. */
class Author {
  constructor(
    readonly username: string,
    readonly name: string,
    readonly email: string,
    readonly avatar: string,
  ) {}
  toString(): string {
    return this.username;
  }
}

class CommitMessage {
  readonly title: string;
  readonly body: string;
  constructor(readonly text: string) {
    const lines = text.split('\n');
    this.title = (lines[0] ?? '').trim();
    this.body = lines.slice(1).join('\n').trim();
  }
  toString(): string {
    return this.text;
  }
}

/** Adds the capitalised Go name of each key (raymond matches the first letter either way). */
function withGoNames<T extends object>(obj: T): T {
  const out = obj as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const goName = key.charAt(0).toUpperCase() + key.slice(1);
    if (!(goName in out)) Object.defineProperty(out, goName, { value: out[key], enumerable: false });
  }
  return obj;
}

export interface TemplateData {
  repo: { owner: string; name: string };
  build: Record<string, unknown>;
  job: { started: number };
}

/**
 * `status` is the derived one, so that {{#success build.status}} is right in parallel
 * pipelines; a fixed build reads as success, as it does in drone-slack.
 */
export function buildTemplateData(
  ctx: BuildContext,
  status: 'success' | 'failure',
  nowMs: number,
): TemplateData {
  const a = ctx.commit.author;
  const build = withGoNames({
    tag: ctx.tag,
    event: ctx.build.event || 'push',
    number: ctx.build.number ?? 0,
    parent: ctx.build.parent ?? 0,
    commit: ctx.commit.sha || '00000000',
    ref: ctx.commit.ref || 'refs/heads/master',
    branch: ctx.commit.branch || 'master',
    author: withGoNames(new Author(a.username, a.name, a.email, a.avatar)),
    pull: ctx.pullRequest,
    message: withGoNames(new CommitMessage(ctx.commit.message)),
    deployTo: ctx.deploy.to,
    status,
    link: ctx.build.link,
    started: ctx.build.started ?? 0,
    created: ctx.build.created ?? 0,
    // Ours, beyond drone-slack: when the build ended (now, while it runs) and what failed.
    finished: ctx.build.finished ?? Math.floor(nowMs / 1000),
    failedSteps: ctx.failedSteps.join(', '),
  });
  return withGoNames({
    repo: withGoNames({ owner: ctx.repo.owner, name: ctx.repo.name }),
    build,
    job: withGoNames({ started: ctx.stage.started ?? 0 }),
  });
}
