// Loading, failure and empty states, the same on every page.
import { Alert, Button, Center, Code, Group, Loader, Text } from '@mantine/core';
import { type DependencyList, type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';

export type Loaded<T> = { data: T | undefined; error: unknown; loading: boolean; reload: () => void };

/** Runs `load` when the dependencies change (and on reload); a late answer for old dependencies is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's dependencies decide when to load
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Failure({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const api = error instanceof ApiError ? error : undefined;
  return (
    <Alert color="red" title={t('error.title')} role="alert">
      <Text size="sm">{api ? api.message : String((error as Error)?.message ?? error)}</Text>
      {api?.path ? (
        <Text size="xs" mt={4}>
          {t('error.at')} <Code>{api.path}</Code>
        </Text>
      ) : null}
      {onRetry ? (
        <Group mt="xs">
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            {t('action.retry')}
          </Button>
        </Group>
      ) : null}
    </Alert>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <Center py="xl" aria-busy="true">
      <Loader size="sm" aria-label={t('state.loading')} />
    </Center>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" py="md" ta="center">
      {children}
    </Text>
  );
}

/** The loaded data through `render`, or the loading or failure state instead. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  if (loaded.error !== undefined) return <Failure error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading />;
  return <>{children(loaded.data)}</>;
}
