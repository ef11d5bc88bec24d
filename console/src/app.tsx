// The shell: sign-in, the navigation and the page of the current hash route.
import { AppShell, Badge, Burger, Button, Group, NavLink, Select, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import type { MessageKey } from './i18n/en';
import { LOCALES, type Locale, useI18n } from './i18n/i18n';
import { CampaignPage, CampaignsPage } from './pages/campaigns';
import { CouponPoolsPage } from './pages/coupon-pools';
import { CustomersPage } from './pages/customers';
import { JourneyEditorPage } from './pages/journey-editor';
import { JourneyPage, JourneysPage } from './pages/journeys';
import { OverviewPage } from './pages/overview';
import { QuarantinePage } from './pages/quarantine';
import { ReferralsPage } from './pages/referrals';
import { SignIn } from './pages/sign-in';
import { TemplatesPage } from './pages/templates';
import { href, type Route, useRoute } from './router';
import { SessionProvider, useRoles, useSessionToken } from './session';

const SECTIONS: readonly { path: string; label: MessageKey }[] = [
  { path: '', label: 'nav.overview' },
  { path: 'journeys', label: 'nav.journeys' },
  { path: 'campaigns', label: 'nav.campaigns' },
  { path: 'templates', label: 'nav.templates' },
  { path: 'customers', label: 'nav.customers' },
  { path: 'coupon-pools', label: 'nav.couponPools' },
  { path: 'referrals', label: 'nav.referrals' },
  { path: 'quarantine', label: 'nav.quarantine' },
];

function page(route: Route): ReactNode {
  const [section, id, sub, subId] = route.segments;
  switch (section) {
    case undefined:
      return <OverviewPage />;
    case 'journeys':
      if (id === undefined) return <JourneysPage />;
      if (id === 'new') return <JourneyEditorPage />;
      return sub === 'edit' ? <JourneyEditorPage journeyId={id} /> : <JourneyPage journeyId={id} />;
    case 'campaigns':
      return id === undefined ? (
        <CampaignsPage />
      ) : (
        <CampaignPage campaignId={id} runId={sub === 'runs' ? subId : undefined} />
      );
    case 'templates':
      return <TemplatesPage templateId={id} />;
    case 'customers':
      return <CustomersPage customerId={id} />;
    case 'coupon-pools':
      return <CouponPoolsPage />;
    case 'referrals':
      return <ReferralsPage />;
    case 'quarantine':
      return <QuarantinePage />;
    default:
      return <OverviewPage />;
  }
}

/** The roles of a signed-in token (none shown for the admin key). */
function SignedInRoles() {
  const { t } = useI18n();
  const roles = useRoles();
  if (roles === 'admin-key' || roles.length === 0) return null;
  return (
    <Badge variant="light" data-testid="signed-in-roles">
      {t('app.roles', { roles: roles.join(', ') })}
    </Badge>
  );
}

export function App() {
  const { t, locale, setLocale } = useI18n();
  const { token, signIn, signOut } = useSessionToken();
  const route = useRoute();
  const [opened, { toggle }] = useDisclosure();
  const languages = (
    <Select
      aria-label={t('app.language')}
      data={LOCALES.map((l) => ({ value: l.value, label: l.label }))}
      value={locale}
      onChange={(value) => value && setLocale(value as Locale)}
      allowDeselect={false}
      w={130}
      size="xs"
    />
  );
  if (!token) return <SignIn onSignIn={signIn} languages={languages} />;
  const section = route.segments[0] ?? '';
  return (
    <SessionProvider token={token} signOut={signOut}>
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between">
            <Group>
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('app.menu')} />
              <Title order={3}>growthloop</Title>
            </Group>
            <Group>
              <SignedInRoles />
              {languages}
              <Button variant="subtle" size="xs" onClick={signOut}>
                {t('app.signOut')}
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" component="nav" aria-label={t('app.navigation')}>
          {SECTIONS.map((s) => (
            <NavLink
              key={s.path}
              href={s.path === '' ? '#/' : href(s.path)}
              label={t(s.label)}
              active={section === s.path}
              aria-current={section === s.path ? 'page' : undefined}
            />
          ))}
        </AppShell.Navbar>
        <AppShell.Main>{page(route)}</AppShell.Main>
      </AppShell>
    </SessionProvider>
  );
}
