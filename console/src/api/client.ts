// The console's one way to the admin API: openapi-fetch typed by the generated schema, so a route
// or field the API does not have does not compile. Failures become ApiError with the API's own
// message and JSON path.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Api = ReturnType<typeof createApi>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

type Failure = { error?: unknown; message?: unknown; path?: unknown };

/** The API's `{error, message, path}` body as an ApiError (or a plain one when the body is not that). */
export function apiError(status: number, body: unknown): ApiError {
  const b = (body && typeof body === 'object' ? body : {}) as Failure;
  return new ApiError(
    status,
    typeof b.error === 'string' ? b.error : `http_${status}`,
    typeof b.message === 'string' ? b.message : `the API answered ${status}`,
    typeof b.path === 'string' ? b.path : undefined,
  );
}

/** A client that sends the token (an admin key or a JWT) with every request, on this origin. */
export function createApi(token: string) {
  return createClient<paths>({
    baseUrl: window.location.origin,
    headers: { authorization: `Bearer ${token}` },
  });
}

/** The data of an openapi-fetch result, or its failure thrown as ApiError. */
export async function ok<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof request>;
  try {
    result = await request;
  } catch (e) {
    throw new ApiError(0, 'network', `the API could not be reached: ${(e as Error).message}`);
  }
  if (result.error !== undefined || !result.response.ok) throw apiError(result.response.status, result.error);
  return result.data as T;
}
