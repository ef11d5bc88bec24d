// A loopback stand-in for the WeChat APIs the dispatcher calls, on 127.0.0.1 at a random port: access tokens
// (GET /cgi-bin/token?grant_type=client_credential&appid&secret, WeCom GET /cgi-bin/gettoken?corpid&corpsecret,
// both answering {access_token, expires_in: 7200}), mini-program subscribe messages (POST
// /cgi-bin/message/subscribe/send), official-account template messages (POST /cgi-bin/message/template/send,
// {msgid}) and WeCom customer messages (POST /cgi-bin/externalcontact/add_msg_template, {fail_list, msgid}).
// As WeChat does, failures are HTTP 200 with {errcode, errmsg}: 41001 no access_token, 40001 (WeCom 40014) a
// token it never issued, 42001 an expired one, 40003 an invalid openid, 40037 an unknown template, 47003 a
// malformed body, 43101 no subscription left for the user, 43004 a user who does not follow the account.
// Subscriptions are one-time, as a mini-program's usually are: each send spends one.
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WeChatFakeFault =
  | { type: 'errcode'; errcode: number; errmsg?: string }
  | { type: 'http'; status: number }
  /** Reads the request and never answers: a timeout after the request was sent. */
  | { type: 'hang' };

export type WeChatFakeRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  answer: unknown;
  status: number;
};

export type WeChatFakeSent = { api: 'subscribe' | 'template' | 'wecom'; token: string; body: Record<string, unknown> };

export type WeChatFake = {
  endpoint: string;
  requests: WeChatFakeRequest[];
  sent: WeChatFakeSent[];
  /** Token requests (both kinds). */
  tokenRequests(): number;
  /** An app (official account or mini-program) the token endpoint knows. */
  app(appId: string, appSecret: string): void;
  corp(corpId: string, corpSecret: string): void;
  /** Lets `openid` receive `count` more messages of `templateId` (a mini-program subscription). */
  subscribe(openid: string, templateId: string, count?: number): void;
  /** `openid` follows the official account. */
  follow(openid: string): void;
  /** `externalUserId` is a contact of the corp's members. */
  contact(externalUserId: string): void;
  templates(...ids: string[]): void;
  /** Every token issued so far expires now (WeChat answers 42001 for them). */
  expireTokens(): void;
  /** Faults answer message requests (never token requests), one each, in order. */
  fail(...faults: WeChatFakeFault[]): void;
  stop(): Promise<void>;
};

const OPENID = /^o[A-Za-z0-9_-]{20,40}$/;
const STATES = new Set(['developer', 'trial', 'formal']);
const LANGS = new Set(['zh_CN', 'en_US', 'zh_HK', 'zh_TW']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** {keyword: {value: string}} with at least one keyword. */
const validData = (data: unknown) =>
  isObject(data) &&
  Object.keys(data).length > 0 &&
  Object.values(data).every((v) => isObject(v) && typeof v.value === 'string' && Object.keys(v).length === 1);

export async function startWeChatFake(): Promise<WeChatFake> {
  const apps = new Map<string, string>();
  const corps = new Map<string, string>();
  const tokens = new Map<string, { kind: 'app' | 'wecom'; expired: boolean }>();
  const subscriptions = new Map<string, number>();
  const followers = new Set<string>();
  const contacts = new Set<string>();
  const knownTemplates = new Set<string>();
  const requests: WeChatFakeRequest[] = [];
  const sent: WeChatFakeSent[] = [];
  const faults: WeChatFakeFault[] = [];
  const hanging = new Set<ServerResponse>();
  let tokenCount = 0;
  let msgid = 1000;

  const issue = (kind: 'app' | 'wecom') => {
    tokenCount++;
    const token = `${kind === 'app' ? 'AT' : 'WT'}_${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { kind, expired: false });
    return { access_token: token, expires_in: 7200 };
  };
  const error = (errcode: number, errmsg: string) => ({
    errcode,
    errmsg: `${errmsg} rid: ${randomBytes(4).toString('hex')}`,
  });

  /** The token check every message API makes first; undefined when the token is good. */
  function tokenProblem(token: string | undefined, kind: 'app' | 'wecom') {
    if (!token) return error(41001, 'access_token missing');
    const known = tokens.get(token);
    if (!known || known.kind !== kind)
      return kind === 'app'
        ? error(40001, 'invalid credential, access_token is invalid or not latest')
        : error(40014, 'invalid access_token');
    if (known.expired) return error(42001, 'access_token expired');
    return undefined;
  }

  function handle(method: string, path: string, query: Record<string, string>, body: unknown): unknown {
    if (method === 'GET' && path === '/cgi-bin/token') {
      if (query.grant_type !== 'client_credential') return error(40002, 'invalid grant_type');
      const secret = apps.get(query.appid ?? '');
      if (secret === undefined) return error(40013, 'invalid appid');
      if (secret !== query.secret) return error(40125, 'invalid appsecret');
      return issue('app');
    }
    if (method === 'GET' && path === '/cgi-bin/gettoken') {
      const secret = corps.get(query.corpid ?? '');
      if (secret === undefined) return error(40013, 'invalid corpid');
      if (secret !== query.corpsecret) return error(40001, 'invalid secret');
      return { errcode: 0, errmsg: 'ok', ...issue('wecom') };
    }
    if (method !== 'POST') return error(43002, 'require POST method');
    const api =
      path === '/cgi-bin/message/subscribe/send'
        ? 'subscribe'
        : path === '/cgi-bin/message/template/send'
          ? 'template'
          : path === '/cgi-bin/externalcontact/add_msg_template'
            ? 'wecom'
            : undefined;
    if (!api) return error(40066, 'invalid url');
    const problem = tokenProblem(query.access_token, api === 'wecom' ? 'wecom' : 'app');
    if (problem) return problem;
    if (!isObject(body)) return error(47001, 'data format error');
    const token = query.access_token as string;
    if (api === 'wecom') {
      if ((body.chat_type ?? 'single') !== 'single') return error(40058, 'invalid chat_type');
      const ids = body.external_userid;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string'))
        return error(40058, 'external_userid is required');
      if (!isObject(body.text) || typeof body.text.content !== 'string') return error(41035, 'text is required');
      if (body.sender !== undefined && typeof body.sender !== 'string') return error(40058, 'invalid sender');
      const failList = ids.filter((id) => !contacts.has(id as string));
      sent.push({ api, token, body });
      return { errcode: 0, errmsg: 'ok', fail_list: failList, msgid: `msg${++msgid}` };
    }
    const openid = body.touser;
    if (typeof openid !== 'string' || !OPENID.test(openid)) return error(40003, 'invalid openid');
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || !knownTemplates.has(templateId)) return error(40037, 'invalid template_id');
    if (!validData(body.data)) return error(47003, 'argument invalid! data.value invalid');
    if (api === 'subscribe') {
      if (body.page !== undefined && typeof body.page !== 'string') return error(47003, 'argument invalid! page');
      if (body.miniprogram_state !== undefined && !STATES.has(body.miniprogram_state as string))
        return error(47003, 'argument invalid! miniprogram_state');
      if (body.lang !== undefined && !LANGS.has(body.lang as string)) return error(47003, 'argument invalid! lang');
      const key = `${openid}\u0000${templateId}`;
      const left = subscriptions.get(key) ?? 0;
      if (left <= 0) return error(43101, 'user refuse to accept the msg');
      subscriptions.set(key, left - 1);
      sent.push({ api, token, body });
      return { errcode: 0, errmsg: 'ok' };
    }
    if (!followers.has(openid)) return error(43004, 'require subscribe');
    if (body.miniprogram !== undefined && !(isObject(body.miniprogram) && typeof body.miniprogram.appid === 'string'))
      return error(47003, 'argument invalid! miniprogram');
    sent.push({ api, token, body });
    return { errcode: 0, errmsg: 'ok', msgid: ++msgid };
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const query = Object.fromEntries(url.searchParams);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const record: WeChatFakeRequest = {
        method: request.method ?? '',
        path: url.pathname,
        query,
        body,
        answer: undefined,
        status: 0,
      };
      requests.push(record);
      const isToken = url.pathname === '/cgi-bin/token' || url.pathname === '/cgi-bin/gettoken';
      const fault = isToken ? undefined : faults.shift();
      if (fault?.type === 'hang') {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        return;
      }
      let status = 200;
      let answer: unknown;
      if (fault?.type === 'http') {
        status = fault.status;
        answer = { errcode: -1, errmsg: 'system error' };
      } else if (fault?.type === 'errcode') answer = error(fault.errcode, fault.errmsg ?? 'fault');
      else answer = handle(record.method, url.pathname, query, body);
      record.answer = answer;
      record.status = status;
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    sent,
    tokenRequests: () => tokenCount,
    app: (appId, appSecret) => void apps.set(appId, appSecret),
    corp: (corpId, corpSecret) => void corps.set(corpId, corpSecret),
    subscribe: (openid, templateId, count = 1) => {
      const key = `${openid}\u0000${templateId}`;
      subscriptions.set(key, (subscriptions.get(key) ?? 0) + count);
    },
    follow: (openid) => void followers.add(openid),
    contact: (id) => void contacts.add(id),
    templates: (...ids) => {
      for (const id of ids) knownTemplates.add(id);
    },
    expireTokens: () => {
      for (const t of tokens.values()) t.expired = true;
    },
    fail: (...more) => void faults.push(...more),
    stop: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
