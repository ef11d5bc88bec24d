// Sign-in through the tenant's identity provider (on AWS, the stack's Cognito user pool): the
// authorization code flow with PKCE, for a public client. The stack deploys /console/config.json
// naming the provider; without it (the local runtime) the console signs in with an admin key.

export type OidcConfig = { authorizeUrl: string; tokenUrl: string; clientId: string; scope?: string };

const PENDING_KEY = 'growthloop.oidc';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const redirectUri = () => `${window.location.origin}${window.location.pathname}`;

/** The provider the stack configured, or null when there is none (or config.json cannot be read). */
export async function loadOidcConfig(): Promise<OidcConfig | null> {
  try {
    const res = await fetch('config.json', { cache: 'no-cache' });
    if (!res.ok) return null;
    const body = (await res.json()) as { oidc?: Partial<OidcConfig> };
    const oidc = body.oidc;
    return oidc?.authorizeUrl && oidc.tokenUrl && oidc.clientId
      ? {
          authorizeUrl: oidc.authorizeUrl,
          tokenUrl: oidc.tokenUrl,
          clientId: oidc.clientId,
          ...(oidc.scope ? { scope: oidc.scope } : {}),
        }
      : null;
  } catch {
    return null;
  }
}

/** Sends the browser to the provider's sign-in page. */
export async function startOidcSignIn(config: OidcConfig): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope ?? 'openid email profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  window.location.assign(url.toString());
}

/**
 * On the way back from the provider (?code=...&state=...): the ID token for the code, or null when
 * this page load is not a sign-in's return. Throws when the return does not match the sign-in started here.
 */
export async function finishOidcSignIn(config: OidcConfig): Promise<string | null> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const error = params.get('error_description') ?? params.get('error');
  if (!code && !error) return null;
  window.history.replaceState(null, '', redirectUri() + window.location.hash);
  if (error) throw new Error(error);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending || pending.state !== params.get('state'))
    throw new Error('the sign-in did not start here: sign in again');
  const res = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: code as string,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  const tokens = (await res.json().catch(() => ({}))) as { id_token?: string; error?: string };
  if (!res.ok || !tokens.id_token)
    throw new Error(`the identity provider refused the sign-in: ${tokens.error ?? res.status}`);
  return tokens.id_token;
}
