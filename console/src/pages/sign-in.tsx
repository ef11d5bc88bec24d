import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { createApi, ok } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { finishOidcSignIn, loadOidcConfig, type OidcConfig, startOidcSignIn } from '../oidc';

/** Signs in with a tenant admin key (locally) or a token of the tenant's identity provider, checked against the API. */
export function SignIn({ onSignIn, languages }: { onSignIn: (token: string) => void; languages: ReactNode }) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  useEffect(() => {
    loadOidcConfig().then(async (config) => {
      setOidc(config);
      if (!config) return;
      try {
        const idToken = await finishOidcSignIn(config);
        if (idToken) onSignIn(idToken);
      } catch (e) {
        setError((e as Error).message);
      }
    });
  }, [onSignIn]);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    if (!value) return setError(t('signIn.required'));
    setBusy(true);
    setError(null);
    try {
      await ok(createApi(value).GET('/v1/journeys'));
      onSignIn(value);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Center mih="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={420} component="main">
        <form onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Group justify="space-between">
              <Title order={2} id="sign-in-title">
                {t('signIn.title')}
              </Title>
              {languages}
            </Group>
            <Text size="sm" c="dimmed">
              {t('signIn.help')}
            </Text>
            <PasswordInput
              label={t('signIn.token')}
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              autoFocus
              autoComplete="off"
              name="token"
            />
            {error ? (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            ) : null}
            <Button type="submit" loading={busy}>
              {t('signIn.submit')}
            </Button>
            {oidc ? (
              <Button variant="light" onClick={() => startOidcSignIn(oidc)}>
                {t('signIn.sso')}
              </Button>
            ) : null}
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
