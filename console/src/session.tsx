// Who is signed in: the credential (a tenant admin key locally, or an identity provider's JWT on
// AWS) is kept for the browser tab only, and every API call carries it.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { type Api, createApi } from './api/client';
import { mayCall, type Roles, rolesOfCredential } from './roles';

const STORAGE_KEY = 'growthloop.token';

type Session = { api: Api; signOut: () => void; roles: Roles };
const SessionContext = createContext<Session | null>(null);

export function useSessionToken() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(STORAGE_KEY));
  const signIn = useCallback((next: string) => {
    sessionStorage.setItem(STORAGE_KEY, next);
    setToken(next);
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setToken(null);
  }, []);
  return { token, signIn, signOut };
}

export function SessionProvider({
  token,
  signOut,
  children,
}: {
  token: string;
  signOut: () => void;
  children: ReactNode;
}) {
  const value = useMemo(() => ({ api: createApi(token), signOut, roles: rolesOfCredential(token) }), [token, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useApi(): Api {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useApi outside SessionProvider');
  return session.api;
}

export function useSignOut(): () => void {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSignOut outside SessionProvider');
  return session.signOut;
}

/** The roles signed in ('admin-key' for the tenant admin key). */
export function useRoles(): Roles {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useRoles outside SessionProvider');
  return session.roles;
}

/** Whether the signed-in roles may call a route ("POST /v1/journeys"): controls the API would refuse are disabled. */
export function useMayCall(): (routeKey: string) => boolean {
  const roles = useRoles();
  return useCallback((routeKey: string) => mayCall(roles, routeKey), [roles]);
}
