// A registry's HTTP API (the distribution spec), for what podman does not say: the digest a tag
// has there. Anonymous or with credentials, behind Basic auth or a Bearer token from the
// challenge's realm (Docker Hub, gcr.io, registry.k8s.io). update-pins.ts asks it for the base
// images' digests; publish.ts for the pushed images' when Podman is remote.

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Registry host and repository of name:tag, as Docker resolves short names. */
export function locate(tagged: string): { host: string; repo: string; tag: string } {
  const at = tagged.lastIndexOf(':');
  const name = tagged.slice(0, at);
  const first = name.split('/')[0]!;
  const qualified = first.includes('.') || first.includes(':');
  const host = qualified && first !== 'docker.io' ? first : 'registry-1.docker.io';
  const path = qualified ? name.slice(first.length + 1) : name;
  return {
    host,
    repo: qualified || path.includes('/') ? path : `library/${path}`,
    tag: tagged.slice(at + 1),
  };
}

/** `Bearer realm="…",service="…",scope="…"` -> the token URL. */
export function tokenUrl(challenge: string): string | undefined {
  const fields = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!/^Bearer /i.test(challenge) || !fields['realm']) return undefined;
  const url = new URL(fields['realm']);
  for (const k of ['service', 'scope']) if (fields[k]) url.searchParams.set(k, fields[k]);
  return url.href;
}

export interface Credentials {
  username: string;
  password: string;
}

const basic = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** The Authorization header a 401's challenge asks for (none: the request cannot be authorized). */
async function authorization(challenge: string | null, creds?: Credentials): Promise<string | undefined> {
  if (challenge && /^Basic /i.test(challenge)) return creds ? basic(creds) : undefined;
  const url = challenge ? tokenUrl(challenge) : undefined;
  if (!url) return undefined;
  const res = await fetch(url, creds ? { headers: { authorization: basic(creds) } } : {});
  if (!res.ok) throw new Error(`the registry's token service ${new URL(url).host} answered ${res.status}`);
  const { token, access_token } = (await res.json()) as { token?: string; access_token?: string };
  return `Bearer ${token ?? access_token}`;
}

/** The digest the registry serves for name:tag (locate() reads it). */
export async function manifestDigest(tagged: string, creds?: Credentials): Promise<string> {
  const { host, repo, tag } = locate(tagged);
  const url = `https://${host}/v2/${repo}/manifests/${tag}`;
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  let res = await fetch(url, { method: 'HEAD', headers });
  const auth =
    res.status === 401 ? await authorization(res.headers.get('www-authenticate'), creds) : undefined;
  if (auth) res = await fetch(url, { method: 'HEAD', headers: { ...headers, authorization: auth } });
  const digest = res.headers.get('docker-content-digest');
  if (!res.ok || !digest) throw new Error(`${tagged}: ${url} answered ${res.status} without a digest`);
  return digest;
}
