// The HTTP API's route-level throttles: every route has its own budget, by the function serving it,
// so a flood of admin calls leaves ingest, Segment and the store webhooks theirs (and the reverse).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpRoutes, routeKey } from '../../../functions/http-routes';
import { DEFAULT_THROTTLE, HttpApi, ROUTE_THROTTLES } from '../../../lib/http-api';

function synth() {
  const stack = new Stack(new App(), 'growthloop-throttles');
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    });
  new HttpApi(stack, 'Http', {
    ingest: fn('Ingest'),
    admin: fn('Admin'),
    webhooks: fn('Webhooks'),
    segment: fn('Segment'),
  });
  return Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;
  };
}

const template = synth();
const stages = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Stage');
const routes = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route');
type Setting = { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };

describe('the HTTP API throttles', () => {
  const [[, stage] = ['', { Type: '' }]] = stages;
  const settings = (stage.Properties?.RouteSettings ?? {}) as Record<string, Setting>;

  it('gives every route a throttle of its own, by the function that serves it', () => {
    expect(stages).toHaveLength(1);
    expect(Object.keys(settings).sort()).toEqual(httpRoutes.map(routeKey).sort());
    for (const route of httpRoutes) {
      expect(settings[routeKey(route)], routeKey(route)).toEqual({
        ThrottlingRateLimit: ROUTE_THROTTLES[route.fn].rateLimit,
        ThrottlingBurstLimit: ROUTE_THROTTLES[route.fn].burstLimit,
      });
    }
  });

  it('throttles ingest, Segment and webhooks apart from the admin API, with more room than it', () => {
    const events = settings['POST /v1/events'];
    const shopify = settings['POST /v1/webhooks/shopify/{tenantId}'];
    const track = settings['POST /v1/track'];
    const admin = settings['GET /v1/customers/{customerId}'];
    expect(admin).toBeDefined();
    for (const ingestion of [events, shopify, track]) {
      expect(ingestion?.ThrottlingRateLimit).toBeGreaterThan(admin?.ThrottlingRateLimit ?? Number.POSITIVE_INFINITY);
      expect(ingestion?.ThrottlingBurstLimit).toBeGreaterThan(admin?.ThrottlingBurstLimit ?? Number.POSITIVE_INFINITY);
    }
  });

  it('keeps a stage default for a route left out, and creates the stage after the routes it names', () => {
    expect(stage.Properties?.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
      ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
    });
    expect(routes).toHaveLength(httpRoutes.length);
    for (const [id] of routes) expect(stage.DependsOn ?? []).toContain(id);
  });
});
