// The one error model, for the normalizers (core/events/ingest.ts, platforms/) and the use cases
// (contracts/answers.ts re-exports it) alike. Input that cannot be used is refused with a status
// and a body `{error, message, path}`: `error` a stable code, `message` a sentence for a person,
// `path` a JSON path into the request (`$.batch[3].total`) or a header (`headers.x-api-key`), null
// when no part of the request is at fault. A case may add details to the body (`errors`, `problems`).
// An item of a batch refused on its own, while the others count, is an ItemError: the same body
// plus the item's index.

/** The JSON error body every 4xx carries. `path` is a JSON path into the request, or a header. */
export type ApiError = { error: string; message: string; path: string | null };
export type ItemError = ApiError & { index: number };
export type Rejection<X extends object = object> = { status: number; body: ApiError & X };

export const reject = <X extends object = object>(
  status: number,
  error: string,
  message: string,
  path: string | null = null,
  extra?: X,
): Rejection<X> => ({ status, body: { error, message, path, ...(extra as X) } });
