/**
 * Access tokens of WeChat apps (an official account or mini-program: GET /cgi-bin/token; a WeCom corp:
 * GET /cgi-bin/gettoken), one per app id or corp id and secret: fetched once, kept until shortly before
 * `expires_in` ends, shared by concurrent sends (one fetch in flight per app), and dropped when an API
 * says it is invalid or expired so the next send fetches a new one. Tokens live in this process only.
 */
import type { Clock } from '../../../ports';
import { ProviderError } from '../../../ports';
import { callWeChat, errcodeOf } from './http';

export type TokenSource =
  | { kind: 'app'; appId: string; appSecret: string }
  | { kind: 'wecom'; corpId: string; corpSecret: string };

export type TokenCache = {
  /** The app's token: the cached one while it lasts, else a fresh one (a ProviderError 'transient' when none comes). */
  get(source: TokenSource): Promise<string>;
  /** Forgets `token` (an API refused it); a newer token already fetched by another send is kept. */
  invalidate(source: TokenSource, token: string): void;
};

export type TokenCacheOptions = {
  clock: Clock;
  /** https://api.weixin.qq.com by default (a loopback fake in tests). */
  apiBase?: string;
  /** https://qyapi.weixin.qq.com by default. */
  wecomBase?: string;
  timeoutMs?: number;
};

export const WECHAT_API_BASE = 'https://api.weixin.qq.com';
export const WECOM_API_BASE = 'https://qyapi.weixin.qq.com';
/** A token is renewed this long before it expires (at most a tenth of its lifetime). */
const RENEW_BEFORE_MS = 5 * 60_000;

type Entry = { token?: string; expiresAt: number; pending?: Promise<string> };

const keyOf = (source: TokenSource) =>
  source.kind === 'app'
    ? `app\u0000${source.appId}\u0000${source.appSecret}`
    : `wecom\u0000${source.corpId}\u0000${source.corpSecret}`;

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const entries = new Map<string, Entry>();
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function fetchToken(source: TokenSource): Promise<{ token: string; lifetimeMs: number }> {
    const url =
      source.kind === 'app'
        ? new URL('/cgi-bin/token', options.apiBase ?? WECHAT_API_BASE)
        : new URL('/cgi-bin/gettoken', options.wecomBase ?? WECOM_API_BASE);
    if (source.kind === 'app') {
      url.searchParams.set('grant_type', 'client_credential');
      url.searchParams.set('appid', source.appId);
      url.searchParams.set('secret', source.appSecret);
    } else {
      url.searchParams.set('corpid', source.corpId);
      url.searchParams.set('corpsecret', source.corpSecret);
    }
    const provider = source.kind === 'app' ? 'wechat token' : 'wecom token';
    let answer: Awaited<ReturnType<typeof callWeChat>>;
    try {
      answer = await callWeChat(url, { timeoutMs, provider });
    } catch (e) {
      // Fetching a token sends no message: whatever went wrong, a later try is safe.
      throw e instanceof ProviderError && e.failure === 'unknown' ? new ProviderError('transient', e.message) : e;
    }
    const token = answer.body?.access_token;
    const expiresIn = answer.body?.expires_in;
    if (answer.status === 200 && typeof token === 'string' && token !== '' && typeof expiresIn === 'number')
      return { token, lifetimeMs: expiresIn * 1000 };
    // A wrong secret (40001, 40125), an IP not on the allow-list (40164), system busy (-1): the operator's or
    // WeChat's to fix, never the message's, so the send is retried with backoff, then parked for redrive.
    const errcode = errcodeOf(answer);
    throw new ProviderError(
      'transient',
      `${provider}: no access token (HTTP ${answer.status}${errcode === undefined ? '' : `, errcode ${errcode}`}${
        answer.body?.errmsg ? `: ${String(answer.body.errmsg).slice(0, 200)}` : ''
      })`,
    );
  }

  return {
    get(source) {
      const key = keyOf(source);
      const entry = entries.get(key);
      const now = options.clock.now();
      if (entry?.token && now < entry.expiresAt) return Promise.resolve(entry.token);
      if (entry?.pending) return entry.pending;
      const pending = fetchToken(source).then(
        ({ token, lifetimeMs }) => {
          const renewBefore = Math.min(RENEW_BEFORE_MS, lifetimeMs / 10);
          entries.set(key, { token, expiresAt: options.clock.now() + lifetimeMs - renewBefore });
          return token;
        },
        (error: unknown) => {
          entries.delete(key);
          throw error;
        },
      );
      entries.set(key, { expiresAt: 0, pending });
      return pending;
    },
    invalidate(source, token) {
      const key = keyOf(source);
      if (entries.get(key)?.token === token) entries.delete(key);
    },
  };
}
