// The token endpoints of the GKE/OAuth stand-in: the OAuth 2.0 JWT-bearer grant of a
// service-account key, the STS exchange of workload identity federation, and IAM Credentials
// impersonation. Every grant returns the access token the local apiservers accept.
import { createPublicKey, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorized, type GkeContext, googleApiError, type Handler } from './gke-api.ts';
import { readBody, sendJson } from './http-util.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Google's OAuth 2.0 error format: `{"error":"invalid_grant","error_description":"..."}`. */
function oauthError(res: ServerResponse, error: string, description: string, code = 400): void {
  sendJson(res, code, { error, error_description: description });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    const obj = JSON.parse(raw) as Record<string, unknown>;
    return new URLSearchParams(Object.entries(obj).map(([k, v]): [string, string] => [k, String(v)]));
  }
  return new URLSearchParams(raw);
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Checks a service-account JWT-bearer assertion; returns an error description or null. */
export function checkAssertion(
  assertion: string,
  sa: { email: string; publicKeyPem: string; keyId: string },
  audiences: readonly string[],
  now = Math.floor(Date.now() / 1000),
): { error: string; description: string } | { claims: Record<string, unknown> } {
  const parts = assertion.split('.');
  if (parts.length !== 3)
    return { error: 'invalid_grant', description: 'Invalid JWT: not a JWS compact serialization.' };
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = b64urlJson(h);
    claims = b64urlJson(p);
  } catch {
    return { error: 'invalid_grant', description: 'Invalid JWT: header or claims are not base64url JSON.' };
  }
  if (header['alg'] !== 'RS256')
    return { error: 'invalid_grant', description: 'Invalid JWT: alg must be RS256.' };
  if (header['kid'] !== undefined && header['kid'] !== sa.keyId) {
    return { error: 'invalid_grant', description: 'Invalid JWT Signature.' };
  }
  const ok = verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`),
    createPublicKey(sa.publicKeyPem),
    Buffer.from(s, 'base64url'),
  );
  if (!ok) return { error: 'invalid_grant', description: 'Invalid JWT Signature.' };
  if (claims['iss'] !== sa.email)
    return { error: 'invalid_grant', description: 'Invalid grant: account not found' };
  if (typeof claims['aud'] !== 'string' || !audiences.includes(claims['aud'])) {
    return { error: 'invalid_grant', description: 'Invalid JWT: Failed audience check.' };
  }
  const iat = Number(claims['iat']);
  const exp = Number(claims['exp']);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || iat > now + 300 || exp <= now || exp - iat > 3600) {
    return {
      error: 'invalid_grant',
      description:
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    };
  }
  if (claims['sub'] !== undefined && claims['sub'] !== sa.email) {
    return {
      error: 'unauthorized_client',
      description: 'Client is unauthorized to retrieve access tokens using this method.',
    };
  }
  if (typeof claims['scope'] !== 'string' || claims['scope'].trim() === '') {
    return { error: 'invalid_scope', description: 'Invalid OAuth scope or ID token audience provided.' };
  }
  return { claims };
}

function oauthToken(ctx: GkeContext): Handler {
  return async (req, res) => {
    const form = await readForm(req);
    const grant = form.get('grant_type');
    if (grant !== JWT_BEARER) {
      return oauthError(res, 'unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`);
    }
    const assertion = form.get('assertion');
    if (!assertion) return oauthError(res, 'invalid_request', 'Missing required parameter: assertion');
    const audiences = [GOOGLE_TOKEN_URL, `${ctx.selfUrl}/token`];
    const result = checkAssertion(assertion, ctx.config.serviceAccount, audiences);
    if ('error' in result) return oauthError(res, result.error, result.description);
    sendJson(res, 200, {
      access_token: ctx.config.accessToken,
      expires_in: ctx.expiresIn,
      token_type: 'Bearer',
    });
  };
}

/** Why an STS exchange request is refused: [error, description], or undefined when it is fine. */
function refuseExchange(form: URLSearchParams, ctx: GkeContext): [string, string] | undefined {
  if (form.get('grant_type') !== TOKEN_EXCHANGE)
    return ['unsupported_grant_type', `Invalid value for "grant_type": ${form.get('grant_type') ?? ''}`];
  if (form.get('audience') !== ctx.config.externalAccount.audience)
    return ['invalid_target', 'The target service indicated by the "audience" parameters is invalid.'];
  const subjectType = form.get('subject_token_type') ?? '';
  if (!subjectType.startsWith('urn:ietf:params:oauth:token-type:'))
    return ['invalid_request', `Invalid value for "subject_token_type": ${subjectType}`];
  if (form.get('subject_token') !== ctx.config.externalAccount.subjectToken)
    return ['invalid_grant', 'The provided subject token is invalid or does not match the pool.'];
  return undefined;
}

function stsToken(ctx: GkeContext): Handler {
  return async (req, res) => {
    const refused = refuseExchange(await readForm(req), ctx);
    if (refused) return oauthError(res, ...refused);
    sendJson(res, 200, {
      access_token: ctx.config.accessToken,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: ctx.expiresIn,
    });
  };
}

function generateAccessToken(ctx: GkeContext): Handler {
  return async (req, res, m) => {
    if (!authorized(ctx, req, res)) return;
    await readBody(req);
    const email = decodeURIComponent(m[1]!);
    if (email !== ctx.config.serviceAccount.email) {
      return googleApiError(res, 404, `Not found; Gaia id not found for email ${email}`);
    }
    sendJson(res, 200, {
      accessToken: ctx.config.accessToken,
      expireTime: new Date(Date.now() + ctx.expiresIn * 1000).toISOString(),
    });
  };
}

export function authHandlers(ctx: GkeContext) {
  return {
    oauthToken: oauthToken(ctx),
    stsToken: stsToken(ctx),
    generateAccessToken: generateAccessToken(ctx),
  };
}
