import { Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ApiError, ok, type Schemas } from '../api/client';
import { Figure } from '../components/lift';
import { Empty, Failure, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { navigate } from '../router';
import { useApi, useMayCall } from '../session';

export function CustomersPage({ customerId }: { customerId: string | undefined }) {
  const { t } = useI18n();
  const [query, setQuery] = useState(customerId ?? '');
  function submit(event: FormEvent) {
    event.preventDefault();
    if (query.trim()) navigate('customers', query.trim());
  }
  return (
    <Stack>
      <Title order={2}>{t('customers.title')}</Title>
      <search>
        <form onSubmit={submit}>
          <Group align="end">
            <TextInput
              label={t('customers.id')}
              placeholder={t('customers.idPlaceholder')}
              value={query}
              onChange={(e) => setQuery(e.currentTarget.value)}
              name="customerId"
            />
            <Button type="submit">{t('action.find')}</Button>
          </Group>
        </form>
      </search>
      {customerId ? <Customer key={customerId} customerId={customerId} /> : <Empty>{t('customers.pick')}</Empty>}
    </Stack>
  );
}

function Customer({ customerId }: { customerId: string }) {
  const api = useApi();
  const params = { params: { path: { customerId } } };
  const profile = useLoad(() => ok(api.GET('/v1/customers/{customerId}', params)), [api, customerId]);
  const [erased, setErased] = useState<number | null>(null);
  if (erased !== null) return <ErasedNotice items={erased} />;
  return (
    <Show loaded={profile}>
      {(p) => (
        <Stack>
          <Profile profile={p} />
          <Actions customerId={customerId} onErased={setErased} />
          <Timeline customerId={customerId} />
        </Stack>
      )}
    </Show>
  );
}

function ErasedNotice({ items }: { items: number }) {
  const { t } = useI18n();
  return (
    <Card withBorder role="status">
      <Text>{t('customers.erased', { n: items })}</Text>
    </Card>
  );
}

function Profile({ profile: p }: { profile: Schemas['CustomerProfile'] }) {
  const { t, number, percent, dateTime, money } = useI18n();
  const revenue = Object.entries(p.revenue);
  return (
    <Card withBorder data-testid="customer-profile">
      <Group mb="sm">
        <Title order={3}>{p.customerId}</Title>
        {p.lifecycle ? <Badge>{t(`stage.${p.lifecycle.stage}`)}</Badge> : null}
        <Badge variant="light" color="grape">
          {t('customers.valueTier', { tier: p.scores.value.tier })}
        </Badge>
        {p.scores.rfm ? <Badge variant="outline">{p.scores.rfm.segment}</Badge> : null}
        {p.tags.map((tag) => (
          <Badge key={tag} variant="dot">
            {tag}
          </Badge>
        ))}
      </Group>
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Figure label={t('customers.orders')} value={number(p.orders)} />
        {revenue.map(([currency, r]) => (
          <Figure key={currency} label={t('customers.netRevenue', { currency })} value={money(r.net, currency)} />
        ))}
        <Figure label={t('customers.firstOrder')} value={dateTime(p.firstOrderAt)} />
        <Figure label={t('customers.lastOrder')} value={dateTime(p.lastOrderAt)} />
        <Figure label={t('customers.lastSeen')} value={dateTime(p.lastSeenAt)} />
        {p.scores.model ? (
          <>
            <Figure label={t('customers.churnRisk')} value={percent(p.scores.model.churnRisk)} />
            <Figure label={t('customers.pAlive')} value={percent(p.scores.model.pAlive)} />
            <Figure label={t('customers.pBuy90')} value={percent(p.scores.model.pBuy90)} />
          </>
        ) : null}
        <Figure
          label={t('customers.points')}
          value={`${number(p.points.balance)} (${number(p.points.pending)} ${t('customers.pending')})`}
        />
        <Figure
          label={t('customers.consent')}
          value={
            Object.entries(p.consent)
              .filter(([, yes]) => yes)
              .map(([channel]) => channel)
              .join(', ') || '–'
          }
        />
        {p.lifecycle?.nextStage ? (
          <Figure
            label={t('customers.nextStage')}
            value={`${t(`stage.${p.lifecycle.nextStage}`)} · ${dateTime(p.lifecycle.nextDueAt)}`}
          />
        ) : null}
      </SimpleGrid>
    </Card>
  );
}

function Actions({ customerId, onErased }: { customerId: string; onErased: (items: number) => void }) {
  const { t } = useI18n();
  const api = useApi();
  const may = useMayCall();
  const [confirming, setConfirming] = useState(false);
  const [failure, setFailure] = useState<unknown>(undefined);
  const params = { params: { path: { customerId } } };
  async function exportData() {
    setFailure(undefined);
    try {
      const data = await ok(api.GET('/v1/customers/{customerId}/export', params));
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `${customerId}.json`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setFailure(e);
    }
  }
  async function erase() {
    setFailure(undefined);
    try {
      const result = await ok(api.DELETE('/v1/customers/{customerId}', params));
      setConfirming(false);
      onErased(result.erasedItems);
    } catch (e) {
      setConfirming(false);
      setFailure(e);
    }
  }
  return (
    <>
      <Group>
        <Button variant="default" onClick={exportData} disabled={!may('GET /v1/customers/{customerId}/export')}>
          {t('customers.export')}
        </Button>
        <Button
          color="red"
          variant="light"
          onClick={() => setConfirming(true)}
          disabled={!may('DELETE /v1/customers/{customerId}')}
        >
          {t('customers.erase')}
        </Button>
      </Group>
      {failure !== undefined ? (
        <Failure
          error={
            failure instanceof ApiError && failure.status === 403
              ? new ApiError(403, 'forbidden', t('customers.engineerOnly'))
              : failure
          }
        />
      ) : null}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={t('customers.eraseTitle')}>
        <Text mb="md">{t('customers.eraseConfirm', { id: customerId })}</Text>
        <Group justify="end">
          <Button variant="default" onClick={() => setConfirming(false)}>
            {t('action.cancel')}
          </Button>
          <Button color="red" onClick={erase}>
            {t('customers.erase')}
          </Button>
        </Group>
      </Modal>
    </>
  );
}

const STATE_COLOR: Record<string, string> = { sent: 'teal', skipped: 'gray', failed: 'red', deferred: 'yellow' };

function Timeline({ customerId }: { customerId: string }) {
  const { t } = useI18n();
  const api = useApi();
  const timeline = useLoad(
    () => ok(api.GET('/v1/customers/{customerId}/timeline', { params: { path: { customerId } } })),
    [api, customerId],
  );
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        {t('customers.timeline')}
      </Text>
      <Show loaded={timeline}>
        {({ entries, events }) => (
          <Stack>
            <Events events={events} />
            <Messages entries={entries} />
          </Stack>
        )}
      </Show>
    </Card>
  );
}

function Events({ events }: { events: Schemas['TimelineEvent'][] }) {
  const { t, dateTime } = useI18n();
  if (events.length === 0) return <Empty>{t('customers.noEvents')}</Empty>;
  return (
    <Table data-testid="customer-events">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('customers.when')}</Table.Th>
          <Table.Th>{t('customers.event')}</Table.Th>
          <Table.Th>{t('customers.details')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {events.map((e) => (
          <Table.Tr key={`${e.type}-${e.at}-${JSON.stringify(e.summary)}`}>
            <Table.Td>{dateTime(e.at)}</Table.Td>
            <Table.Td>{e.type}</Table.Td>
            <Table.Td>
              {Object.entries(e.summary)
                .map(([k, v]) => `${k}: ${v}`)
                .join(' · ') || '–'}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Messages({ entries }: { entries: Schemas['TimelineEntry'][] }) {
  const { t, dateTime } = useI18n();
  if (entries.length === 0) return <Empty>{t('customers.noTimeline')}</Empty>;
  return (
    <Table data-testid="customer-timeline">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('customers.when')}</Table.Th>
          <Table.Th>{t('field.status')}</Table.Th>
          <Table.Th>{t('templates.channel')}</Table.Th>
          <Table.Th>{t('customers.journey')}</Table.Th>
          <Table.Th>{t('customers.reason')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {entries.map((e) => (
          <Table.Tr key={e.key}>
            <Table.Td>{dateTime(e.sentAt ?? e.updatedAt)}</Table.Td>
            <Table.Td>
              <Badge color={STATE_COLOR[e.state] ?? 'blue'} variant="light">
                {e.state}
              </Badge>
            </Table.Td>
            <Table.Td>{e.channel ?? '–'}</Table.Td>
            <Table.Td>{[e.journeyId ?? e.campaignId, e.activity].filter(Boolean).join(' / ') || '–'}</Table.Td>
            <Table.Td>{[e.reason, e.rule].filter(Boolean).join(': ') || '–'}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
