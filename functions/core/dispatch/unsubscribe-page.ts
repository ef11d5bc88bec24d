/**
 * The pages `/u/{token}` answers, in English and Simplified Chinese: the confirmation a GET shows (a form
 * whose button POSTs; a GET never unsubscribes, since mail scanners fetch links), the page after the
 * unsubscribe, and the pages of a link that is not valid, of a store that is not here, and of a failure.
 * Pure: every text is HTML-escaped, the page has no script, no external resource and no referrer.
 */
import type { UnsubscribeChannel } from './unsubscribe';

export const PAGE_LANGUAGES = ['en', 'zh'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

export type UnsubscribePage =
  | { kind: 'confirm'; channel: UnsubscribeChannel }
  | { kind: 'done'; channel: UnsubscribeChannel }
  | { kind: 'invalid' }
  | { kind: 'bad_request' }
  | { kind: 'unknown_store' }
  | { kind: 'error' };

/**
 * The page's language from an Accept-Language header: the most preferred of the languages the page has
 * (a `zh*` tag gives Chinese, `en*` English), English when the header names neither or cannot be read.
 */
export function pageLanguage(acceptLanguage: string | undefined): PageLanguage {
  if (!acceptLanguage) return 'en';
  let best: { language: PageLanguage; q: number; order: number } | undefined;
  const ranges = acceptLanguage.slice(0, 1000).split(',').slice(0, 50);
  ranges.forEach((range, order) => {
    const [tag = '', ...params] = range.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0];
    const language = primary === 'zh' ? 'zh' : primary === 'en' ? 'en' : undefined;
    if (!language) return;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (m) q = Number(m[1]);
    }
    if (!(q > 0)) return;
    if (!best || q > best.q || (q === best.q && order < best.order)) best = { language, q, order };
  });
  return best?.language ?? 'en';
}

type Texts = {
  lang: string;
  channel: Record<UnsubscribeChannel, string>;
  confirmTitle: string;
  confirmBody: (what: string) => string;
  confirmButton: string;
  confirmNote: string;
  doneTitle: string;
  doneBody: (what: string) => string;
  doneNote: string;
  invalidTitle: string;
  invalidBody: string;
  badRequestTitle: string;
  badRequestBody: string;
  unknownTitle: string;
  unknownBody: string;
  errorTitle: string;
  errorBody: string;
};

const TEXTS: Record<PageLanguage, Texts> = {
  en: {
    lang: 'en',
    channel: { email: 'marketing e-mails', sms: 'marketing text messages', push: 'marketing push notifications' },
    confirmTitle: 'Unsubscribe',
    confirmBody: (what) => `Do you want to stop receiving ${what} from this store?`,
    confirmButton: 'Unsubscribe',
    confirmNote: 'Messages about your orders and your account will still reach you.',
    doneTitle: 'You are unsubscribed',
    doneBody: (what) => `You will no longer receive ${what} from this store.`,
    doneNote: 'A message that was already on its way may still arrive. You can close this page.',
    invalidTitle: 'This link does not work',
    invalidBody:
      'This unsubscribe link is not valid: it may have been cut off when it was copied. Please open the link in the message again, or contact the store.',
    badRequestTitle: 'This request could not be understood',
    badRequestBody: 'Nothing was changed. Please open the unsubscribe link in the message again.',
    unknownTitle: 'Store not found',
    unknownBody: 'The store this unsubscribe link belongs to is not known here. Please contact the store.',
    errorTitle: 'Something went wrong',
    errorBody: 'Your request could not be completed and nothing was changed. Please try again in a moment.',
  },
  zh: {
    lang: 'zh-CN',
    channel: { email: '营销邮件', sms: '营销短信', push: '营销推送通知' },
    confirmTitle: '退订',
    confirmBody: (what) => `您要停止接收本店的${what}吗？`,
    confirmButton: '确认退订',
    confirmNote: '有关您的订单和账户的消息仍会照常发送给您。',
    doneTitle: '您已成功退订',
    doneBody: (what) => `您将不再收到本店的${what}。`,
    doneNote: '已在发送途中的消息可能仍会送达。您可以关闭此页面。',
    invalidTitle: '此链接无效',
    invalidBody: '此退订链接无效，可能在复制时被截断。请重新打开消息中的链接，或联系商家。',
    badRequestTitle: '无法处理此请求',
    badRequestBody: '未做任何更改。请重新打开消息中的退订链接。',
    unknownTitle: '找不到商店',
    unknownBody: '找不到此退订链接所属的商店。请联系商家。',
    errorTitle: '出现错误',
    errorBody: '您的请求未能完成，未做任何更改。请稍后重试。',
  },
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** The status each page is answered with. */
export const PAGE_STATUS: Record<UnsubscribePage['kind'], number> = {
  confirm: 200,
  done: 200,
  invalid: 400,
  bad_request: 400,
  unknown_store: 404,
  error: 500,
};

const STYLE =
  'body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;' +
  'margin:0;padding:3rem 1rem;background:#f6f6f4;color:#1f2328}' +
  'main{max-width:32rem;margin:0 auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 3px #0002}' +
  'h1{font-size:1.4rem;margin-top:0}p{line-height:1.5}.note{color:#57606a;font-size:.9rem}' +
  'button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:6px;background:#1f2328;color:#fff;cursor:pointer}';

/** The whole HTML document of a page in a language. */
export function renderUnsubscribePage(page: UnsubscribePage, language: PageLanguage): string {
  const t = TEXTS[language];
  const e = escapeHtml;
  let title: string;
  let content: string;
  switch (page.kind) {
    case 'confirm': {
      title = t.confirmTitle;
      content =
        `<p>${e(t.confirmBody(t.channel[page.channel]))}</p>` +
        '<form method="post">' +
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
        `<button type="submit">${e(t.confirmButton)}</button>` +
        '</form>' +
        `<p class="note">${e(t.confirmNote)}</p>`;
      break;
    }
    case 'done':
      title = t.doneTitle;
      content = `<p>${e(t.doneBody(t.channel[page.channel]))}</p><p class="note">${e(t.doneNote)}</p>`;
      break;
    case 'invalid':
      title = t.invalidTitle;
      content = `<p>${e(t.invalidBody)}</p>`;
      break;
    case 'bad_request':
      title = t.badRequestTitle;
      content = `<p>${e(t.badRequestBody)}</p>`;
      break;
    case 'unknown_store':
      title = t.unknownTitle;
      content = `<p>${e(t.unknownBody)}</p>`;
      break;
    case 'error':
      title = t.errorTitle;
      content = `<p>${e(t.errorBody)}</p>`;
      break;
  }
  return (
    `<!doctype html><html lang="${e(t.lang)}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">' +
    `<title>${e(title)}</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${e(title)}</h1>${content}</main></body></html>\n`
  );
}
