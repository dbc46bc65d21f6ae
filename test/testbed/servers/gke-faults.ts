// Planned faults of the GKE stand-in: tests queue HTTP error statuses or connection resets
// for the next requests whose "METHOD /path" contains a string, and read what was injected.
import type { Fault, GkeContext, Handler } from './gke-api.ts';
import { readBody, sendJson } from './http-util.ts';

/** GET: what was injected and what is pending; DELETE: forget both; POST: a new plan. */
export function controlFaults(ctx: GkeContext): Handler {
  return async (req, res) => {
    if (req.method === 'GET')
      return sendJson(res, 200, { injected: ctx.injected, pending: ctx.faultPlan.sequence });
    if (req.method === 'DELETE') {
      ctx.faultPlan = { sequence: [] };
      ctx.injected = [];
      return sendJson(res, 200, { ok: true });
    }
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as {
      sequence?: unknown[];
      match?: string;
    };
    const seq = body.sequence ?? [];
    if (!seq.every((f) => f === 'reset' || (typeof f === 'number' && f >= 400 && f <= 599))) {
      return sendJson(res, 400, { error: 'sequence items must be HTTP error statuses or "reset"' });
    }
    ctx.faultPlan = { sequence: seq as Fault[], ...(body.match ? { match: body.match } : {}) };
    sendJson(res, 200, { ok: true, pending: ctx.faultPlan.sequence });
  };
}

/** Takes the next planned fault for this request ("METHOD /path"), if any. */
export function nextFault(ctx: GkeContext, line: string): Fault | undefined {
  const plan = ctx.faultPlan;
  if (plan.sequence.length === 0) return undefined;
  if (plan.match !== undefined && !line.includes(plan.match)) return undefined;
  const fault = plan.sequence.shift()!;
  ctx.injected.push({ request: line, fault });
  return fault;
}
