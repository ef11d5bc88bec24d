import { Anchor, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ok, type Schemas } from '../api/client';
import { JourneyGraph } from '../components/journey-graph';
import { LiftPanel } from '../components/lift';
import { Empty, Failure, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { href } from '../router';
import { useApi, useMayCall } from '../session';

type Status = Schemas['JourneySummary']['status'];
const STATUS_COLOR: Record<Status, string> = { draft: 'gray', live: 'teal', paused: 'yellow', archived: 'dark' };

export function StatusBadge({ status }: { status: Status }) {
  const { t } = useI18n();
  return (
    <Badge color={STATUS_COLOR[status]} variant="light">
      {t(`status.${status}`)}
    </Badge>
  );
}

const LIST_STATS = ['entered', 'active', 'converted', 'sent'] as const;

export function JourneysPage() {
  const { t, dateTime, number } = useI18n();
  const api = useApi();
  const list = useLoad(() => ok(api.GET('/v1/journeys')), [api]);
  const may = useMayCall();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('journeys.title')}</Title>
        {may('POST /v1/journeys') ? (
          <Button component="a" href={href('journeys', 'new')}>
            {t('journeys.new')}
          </Button>
        ) : null}
      </Group>
      <Show loaded={list}>
        {({ journeys }) =>
          journeys.length === 0 ? (
            <Empty>{t('journeys.empty')}</Empty>
          ) : (
            <Table striped highlightOnHover data-testid="journey-list">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('field.name')}</Table.Th>
                  <Table.Th>{t('field.status')}</Table.Th>
                  <Table.Th>{t('field.version')}</Table.Th>
                  {LIST_STATS.map((key) => (
                    <Table.Th key={key}>{t(`stats.${key}`)}</Table.Th>
                  ))}
                  <Table.Th>{t('field.updatedAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {journeys.map((j) => (
                  <Table.Tr key={j.id}>
                    <Table.Td>
                      <Anchor href={href('journeys', j.id)}>{j.name}</Anchor>
                      <Text size="xs" c="dimmed">
                        {j.id}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={j.status} />
                    </Table.Td>
                    <Table.Td>{j.version}</Table.Td>
                    {LIST_STATS.map((key) => (
                      <Table.Td key={key}>{number(j.stats[key])}</Table.Td>
                    ))}
                    <Table.Td>{dateTime(j.updatedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </Show>
    </Stack>
  );
}

type Transition = 'publish' | 'pause' | 'resume' | 'archive';
const TRANSITIONS: Record<Status, Transition[]> = {
  draft: ['publish', 'archive'],
  live: ['publish', 'pause', 'archive'],
  paused: ['resume', 'publish', 'archive'],
  archived: [],
};

export function JourneyPage({ journeyId }: { journeyId: string }) {
  const { t, number, percent } = useI18n();
  const api = useApi();
  const detail = useLoad(
    () => ok(api.GET('/v1/journeys/{journeyId}', { params: { path: { journeyId } } })),
    [api, journeyId],
  );
  const [failure, setFailure] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<Transition | null>(null);
  const may = useMayCall();
  async function change(transition: Transition) {
    setBusy(transition);
    setFailure(undefined);
    try {
      await ok(api.POST(`/v1/journeys/{journeyId}/${transition}`, { params: { path: { journeyId } } }));
      detail.reload();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(null);
    }
  }
  return (
    <Show loaded={detail}>
      {(j) => {
        const shown = j.journey;
        const stats = j.stats;
        return (
          <Stack>
            <Group justify="space-between">
              <Group>
                <Title order={2}>{j.name}</Title>
                <StatusBadge status={j.status} />
                <Text c="dimmed">{t('journeys.versionN', { version: j.version })}</Text>
              </Group>
              <Group>
                {may('PUT /v1/journeys/{journeyId}') ? (
                  <Button component="a" variant="default" href={href('journeys', journeyId, 'edit')}>
                    {t('action.edit')}
                  </Button>
                ) : null}
                {TRANSITIONS[j.status].map((transition) => (
                  <Button
                    key={transition}
                    variant={transition === 'publish' ? 'filled' : 'light'}
                    color={transition === 'archive' ? 'red' : undefined}
                    loading={busy === transition}
                    disabled={!may(`POST /v1/journeys/{journeyId}/${transition}`)}
                    onClick={() => change(transition)}
                  >
                    {t(`action.${transition}`)}
                  </Button>
                ))}
              </Group>
            </Group>
            {failure !== undefined ? <Failure error={failure} /> : null}
            <Card withBorder>
              <Group gap="xl">
                {(
                  [
                    ['entered', stats.entered],
                    ['completed', stats.completed],
                    ['exited', stats.exited],
                    ['converted', stats.converted],
                    ['sent', stats.sent],
                    ['skipped', stats.skipped],
                    ['heldOut', stats.heldOut],
                  ] as const
                ).map(([key, value]) => (
                  <div key={key}>
                    <Text size="xs" c="dimmed">
                      {t(`stats.${key}`)}
                    </Text>
                    <Text fw={700} data-testid={`stat-${key}`}>
                      {number(value)}
                    </Text>
                  </div>
                ))}
              </Group>
            </Card>
            {shown ? (
              <Card withBorder>
                <Text fw={600} mb="xs">
                  {t('journeys.graph')}
                </Text>
                <JourneyGraph
                  journey={shown as Schemas['Journey']}
                  counts={stats.reached}
                  label={t('journeys.graphLabel', { name: j.name })}
                />
              </Card>
            ) : null}
            <Card withBorder>
              <Text fw={600} mb="xs">
                {t('journeys.lift')}
              </Text>
              {j.lift ? <LiftPanel lift={j.lift} /> : <Text c="dimmed">{j.liftNote ?? t('journeys.noLift')}</Text>}
            </Card>
            {j.arms.map((split) => (
              <Card withBorder key={split.activity} data-testid="split-arms">
                <Text fw={600} mb="xs">
                  {t('journeys.arms', { activity: split.activity })}
                </Text>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('journeys.arm')}</Table.Th>
                      <Table.Th>{t('journeys.share')}</Table.Th>
                      <Table.Th>{t('stats.entered')}</Table.Th>
                      <Table.Th>{t('stats.converted')}</Table.Th>
                      <Table.Th>{t('journeys.rate')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {split.arms.map((arm) => (
                      <Table.Tr key={arm.name}>
                        <Table.Td>{arm.name}</Table.Td>
                        <Table.Td>{arm.percent} %</Table.Td>
                        <Table.Td>{number(arm.n)}</Table.Td>
                        <Table.Td>{number(arm.conversions)}</Table.Td>
                        <Table.Td>{arm.n === 0 ? '–' : percent(arm.conversions / arm.n, 2)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {split.lifts.map((l) => (
                  <Stack key={`${l.arm}-${l.against}`} mt="sm" gap={4}>
                    <Text size="sm">{t('journeys.armAgainst', { arm: l.arm, against: l.against })}</Text>
                    {l.lift ? <LiftPanel lift={l.lift} /> : <Text c="dimmed">{l.liftNote}</Text>}
                  </Stack>
                ))}
              </Card>
            ))}
            {Object.keys(stats.skippedBy).length > 0 ? (
              <Card withBorder>
                <Text fw={600} mb="xs">
                  {t('journeys.skippedBy')}
                </Text>
                <Table>
                  <Table.Tbody>
                    {Object.entries(stats.skippedBy).map(([reason, n]) => (
                      <Table.Tr key={reason}>
                        <Table.Td>{reason}</Table.Td>
                        <Table.Td>{number(n)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
            ) : null}
          </Stack>
        );
      }}
    </Show>
  );
}
