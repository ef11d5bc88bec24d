// The console offers what the signed-in roles may call, reading them from the credential as the
// API's permission table does; the API still decides.
import { describe, expect, it } from 'vitest';
import { mayCall, rolesOfCredential } from '../../../console/src/roles';

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (claims: object) => `${part({ alg: 'RS256', kid: 'k' })}.${part(claims)}.c2lnbmF0dXJl`;

describe('the roles of a credential', () => {
  it('are the admin key for a credential that is no JWT', () => {
    expect(rolesOfCredential('gl_admin_0123456789abcdef')).toBe('admin-key');
  });

  it("are the roles the token's cognito:groups name, other groups left out", () => {
    expect(rolesOfCredential(token({ 'cognito:groups': ['analyst', 'admins'] }))).toEqual(['analyst']);
    expect(rolesOfCredential(token({ 'cognito:groups': 'marketer engineer' }))).toEqual(['marketer', 'engineer']);
    expect(rolesOfCredential(token({ groups: ['marketer'] }), 'groups')).toEqual(['marketer']);
  });

  it('are none for a token whose claims cannot be read', () => {
    expect(rolesOfCredential('a.%%%.c')).toEqual([]);
    expect(rolesOfCredential(`a.${Buffer.from('not json').toString('base64url')}.c`)).toEqual([]);
  });
});

describe('what the console offers', () => {
  it('is every route to the admin key', () => {
    expect(mayCall('admin-key', 'DELETE /v1/customers/{customerId}')).toBe(true);
  });

  it('is the reads to an analyst, and the marketing writes to a marketer', () => {
    expect(mayCall(['analyst'], 'GET /v1/journeys')).toBe(true);
    expect(mayCall(['analyst'], 'POST /v1/journeys/{journeyId}/publish')).toBe(false);
    expect(mayCall(['marketer'], 'POST /v1/journeys/{journeyId}/publish')).toBe(true);
    expect(mayCall(['marketer'], 'DELETE /v1/customers/{customerId}')).toBe(false);
    expect(mayCall(['analyst', 'engineer'], 'DELETE /v1/customers/{customerId}')).toBe(true);
  });

  it('is everything to a token that names no role (its roles may be in another claim): the API answers', () => {
    expect(mayCall([], 'POST /v1/journeys/{journeyId}/publish')).toBe(true);
  });
});
