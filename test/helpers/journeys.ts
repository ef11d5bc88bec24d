// A small journey for tests of the journey use cases: an e-mail at once, a push an hour later.
export const welcomeJourney = {
  id: 'welcome',
  name: 'Welcome',
  entry: { type: 'event', event: 'login' },
  startActivity: 'hello',
  activities: {
    hello: { type: 'action', action: { kind: 'email', template: 'hello' }, next: 'wait' },
    wait: { type: 'wait', for: '1h', next: 'nudge' },
    nudge: { type: 'action', action: { kind: 'push', template: 'nudge' } },
  },
} as const;
