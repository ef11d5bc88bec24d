import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../../functions/core/events/pattern';
import { INGEST_SOURCE, routes } from '../../../../functions/routes';

const event = (source: string, detailType: string) => ({ source, 'detail-type': detailType, detail: {} });

describe('matchesPattern', () => {
  it('matches an exact source', () => {
    expect(matchesPattern({ source: ['shop'] }, event('shop', 'order_placed'))).toBe(true);
    expect(matchesPattern({ source: ['shop'] }, event('shopify', 'order_placed'))).toBe(false);
  });

  it('matches any of the listed values of one field', () => {
    const pattern = { 'detail-type': ['order_placed', 'order_paid'] };
    expect(matchesPattern(pattern, event('shop', 'order_paid'))).toBe(true);
    expect(matchesPattern(pattern, event('shop', 'refund'))).toBe(false);
  });

  it('requires every field the pattern names to match', () => {
    const pattern = { source: ['shop'], 'detail-type': ['order_paid'] };
    expect(matchesPattern(pattern, event('shop', 'order_paid'))).toBe(true);
    expect(matchesPattern(pattern, event('shop', 'refund'))).toBe(false);
    expect(matchesPattern(pattern, event('other', 'order_paid'))).toBe(false);
  });

  it('lets a field the pattern leaves out match anything', () => {
    expect(matchesPattern({}, event('anything', 'at all'))).toBe(true);
    expect(matchesPattern({ source: ['shop'] }, event('shop', 'whatever'))).toBe(true);
  });

  it('matches a prefix filter by string prefix, mixed with exact values', () => {
    const pattern = { 'detail-type': [{ prefix: 'lifecycle.' }, 'order_paid'] };
    expect(matchesPattern(pattern, event('p', 'lifecycle.churned'))).toBe(true);
    expect(matchesPattern(pattern, event('p', 'order_paid'))).toBe(true);
    expect(matchesPattern(pattern, event('p', 'xlifecycle.churned'))).toBe(false);
    expect(matchesPattern({ source: [{ prefix: '' }] }, event('p', 'x'))).toBe(true);
  });

  it('is case-sensitive, as EventBridge is', () => {
    expect(matchesPattern({ source: ['Shop'] }, event('shop', 'x'))).toBe(false);
    expect(matchesPattern({ source: [{ prefix: 'Sh' }] }, event('shop', 'x'))).toBe(false);
  });

  it('does not match when the event lacks a field the pattern names, or the value is not a string', () => {
    expect(matchesPattern({ source: ['shop'] }, { 'detail-type': 'x' })).toBe(false);
    expect(matchesPattern({ source: ['1'] }, { source: 1 })).toBe(false);
    expect(matchesPattern({ source: [{ prefix: 'n' }] }, { source: null })).toBe(false);
  });

  it('matches an array field when any element matches', () => {
    expect(matchesPattern({ source: ['b'] }, { source: ['a', 'b'] })).toBe(true);
    expect(matchesPattern({ source: ['c'] }, { source: ['a', 'b'] })).toBe(false);
  });

  it('matches nothing with an empty value list', () => {
    expect(matchesPattern({ source: [] }, event('shop', 'x'))).toBe(false);
  });

  it('routes ingested events to profile updates with the shipped route table', () => {
    const route = routes.find((candidate) => candidate.name === 'ingested-events-to-profiles');
    expect(route && matchesPattern(route.pattern, event(INGEST_SOURCE, 'order_placed'))).toBe(true);
    expect(route && matchesPattern(route.pattern, event('growthloop.profiles', 'lifecycle.churned'))).toBe(false);
  });
});
