// Hash routes (#/journeys/welcome): the app is static files, so every page is one index.html.
import { useEffect, useState } from 'react';

export type Route = { segments: string[]; query: URLSearchParams };

function current(): Route {
  const [path = '', query = ''] = window.location.hash.replace(/^#\/?/, '').split('?');
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The href of a page: href('journeys', id) is "#/journeys/<id>". */
export const href = (...segments: string[]): string => `#/${segments.map(encodeURIComponent).join('/')}`;

export const navigate = (...segments: string[]): void => {
  window.location.hash = href(...segments);
};
