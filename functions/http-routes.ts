// The one HTTP route table: the CDK stack builds the HTTP API's routes from it, and the local
// runtime serves the same routes with the same functions, each routing by route key.

export type FunctionName = 'ingest' | 'admin' | 'webhooks' | 'segment';
export type HttpRouteSpec = { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; fn: FunctionName };

export const httpRoutes: readonly HttpRouteSpec[] = [
  { method: 'POST', path: '/v1/events', fn: 'ingest' },
  { method: 'GET', path: '/v1/customers/{customerId}', fn: 'admin' },
  { method: 'DELETE', path: '/v1/customers/{customerId}', fn: 'admin' },
  { method: 'GET', path: '/v1/customers/{customerId}/export', fn: 'admin' },
  { method: 'GET', path: '/v1/customers/{customerId}/timeline', fn: 'admin' },
  { method: 'GET', path: '/v1/customers/{customerId}/points', fn: 'admin' },
  { method: 'POST', path: '/v1/customers/{customerId}/points/redemptions', fn: 'admin' },
  { method: 'POST', path: '/v1/customers/{customerId}/tier/memberships', fn: 'admin' },
  { method: 'GET', path: '/v1/customers/{customerId}/referral', fn: 'admin' },
  { method: 'POST', path: '/v1/customers/{customerId}/referral/code', fn: 'admin' },
  { method: 'GET', path: '/v1/referrals/review', fn: 'admin' },
  { method: 'POST', path: '/v1/referrals/{friendId}/review', fn: 'admin' },
  { method: 'GET', path: '/v1/model', fn: 'admin' },
  { method: 'GET', path: '/v1/metrics/kpis', fn: 'admin' },
  { method: 'GET', path: '/v1/metrics/loyalty', fn: 'admin' },
  { method: 'GET', path: '/v1/outbox', fn: 'admin' },
  { method: 'GET', path: '/v1/quarantine', fn: 'admin' },
  { method: 'POST', path: '/v1/quarantine/replay', fn: 'admin' },
  { method: 'POST', path: '/v1/journeys', fn: 'admin' },
  { method: 'POST', path: '/v1/journeys/validate', fn: 'admin' },
  { method: 'POST', path: '/v1/journeys/backtest', fn: 'admin' },
  { method: 'GET', path: '/v1/journeys', fn: 'admin' },
  { method: 'GET', path: '/v1/journeys/{journeyId}', fn: 'admin' },
  { method: 'PUT', path: '/v1/journeys/{journeyId}', fn: 'admin' },
  ...(['publish', 'pause', 'resume', 'archive'] as const).map(
    (action) => ({ method: 'POST', path: `/v1/journeys/{journeyId}/${action}`, fn: 'admin' }) as const,
  ),
  { method: 'PUT', path: '/v1/campaigns/{campaignId}', fn: 'admin' },
  { method: 'GET', path: '/v1/campaigns', fn: 'admin' },
  { method: 'GET', path: '/v1/campaigns/{campaignId}', fn: 'admin' },
  { method: 'POST', path: '/v1/campaigns/{campaignId}/runs', fn: 'admin' },
  { method: 'GET', path: '/v1/campaigns/{campaignId}/runs/{runId}', fn: 'admin' },
  { method: 'POST', path: '/v1/campaigns/{campaignId}/estimate', fn: 'admin' },
  { method: 'POST', path: '/v1/templates', fn: 'admin' },
  { method: 'GET', path: '/v1/templates', fn: 'admin' },
  { method: 'GET', path: '/v1/templates/{templateId}', fn: 'admin' },
  { method: 'POST', path: '/v1/templates/{templateId}/preview', fn: 'admin' },
  { method: 'POST', path: '/v1/templates/{templateId}/test', fn: 'admin' },
  { method: 'POST', path: '/v1/coupon-pools', fn: 'admin' },
  { method: 'GET', path: '/v1/coupon-pools', fn: 'admin' },
  { method: 'GET', path: '/v1/coupon-pools/{poolId}', fn: 'admin' },
  { method: 'POST', path: '/v1/coupon-pools/{poolId}/codes', fn: 'admin' },
  { method: 'POST', path: '/v1/coupon-pools/{poolId}/generate', fn: 'admin' },
  { method: 'POST', path: '/v1/webhooks/shopify/{tenantId}', fn: 'webhooks' },
  { method: 'POST', path: '/v1/webhooks/woocommerce/{tenantId}', fn: 'webhooks' },
  // One-click unsubscribe (public: the signed token is the credential); served by the function holding tenant secrets.
  { method: 'GET', path: '/u/{token}', fn: 'webhooks' },
  { method: 'POST', path: '/u/{token}', fn: 'webhooks' },
  ...(['track', 'identify', 'batch'] as const).flatMap((call) => [
    { method: 'POST', path: `/v1/${call}`, fn: 'segment' } as const,
    { method: 'POST', path: `/v1/segment/{tenantId}/${call}`, fn: 'segment' } as const,
  ]),
  { method: 'GET', path: '/health', fn: 'admin' },
  { method: 'GET', path: '/openapi.json', fn: 'admin' },
];

export const routeKey = (route: Pick<HttpRouteSpec, 'method' | 'path'>): string => `${route.method} ${route.path}`;
