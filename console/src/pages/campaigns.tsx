import { Alert, Anchor, Badge, Button, Card, Code, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ok, type Schemas } from '../api/client';
import { Figure, LiftBadge, LiftPanel } from '../components/lift';
import { Empty, Failure, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { href, navigate } from '../router';
import { useApi, useMayCall } from '../session';

type Run = Schemas['CampaignRunView'];
const RUN_COLOR: Record<Run['status'], string> = {
  selected: 'blue',
  offered: 'yellow',
  reported: 'teal',
  failed: 'red',
};

export function CampaignsPage() {
  const { t, dateTime } = useI18n();
  const api = useApi();
  const list = useLoad(() => ok(api.GET('/v1/campaigns')), [api]);
  return (
    <Stack>
      <Title order={2}>{t('campaigns.title')}</Title>
      <Show loaded={list}>
        {({ campaigns }) =>
          campaigns.length === 0 ? (
            <Empty>{t('campaigns.empty')}</Empty>
          ) : (
            <Table striped highlightOnHover data-testid="campaign-list">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('field.name')}</Table.Th>
                  <Table.Th>{t('campaigns.schedule')}</Table.Th>
                  <Table.Th>{t('field.updatedAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {campaigns.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Anchor href={href('campaigns', c.id)}>{c.name}</Anchor>
                    </Table.Td>
                    <Table.Td>
                      {c.schedule ? (
                        <Code>{`${c.schedule.cron}${c.schedule.timezone ? ` (${c.schedule.timezone})` : ''}`}</Code>
                      ) : (
                        '–'
                      )}
                    </Table.Td>
                    <Table.Td>{dateTime(c.updatedAt)}</Table.Td>
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

export function CampaignPage({ campaignId, runId }: { campaignId: string; runId: string | undefined }) {
  const { t, dateTime, number } = useI18n();
  const api = useApi();
  const detail = useLoad(
    () => ok(api.GET('/v1/campaigns/{campaignId}', { params: { path: { campaignId } } })),
    [api, campaignId],
  );
  const [failure, setFailure] = useState<unknown>(undefined);
  const [starting, setStarting] = useState(false);
  const may = useMayCall();
  async function startRun() {
    setStarting(true);
    setFailure(undefined);
    try {
      const started = await ok(
        api.POST('/v1/campaigns/{campaignId}/runs', { params: { path: { campaignId } }, body: {} }),
      );
      navigate('campaigns', campaignId, 'runs', started.runId);
      detail.reload();
    } catch (e) {
      setFailure(e);
    } finally {
      setStarting(false);
    }
  }
  return (
    <Show loaded={detail}>
      {({ campaign, runs }) => {
        // The run asked for, else the latest with a measured lift, else the latest at all.
        const shown =
          runs.find((r) => r.runId === runId) ??
          runs.find((r) => r.report?.lift) ??
          runs.find((r) => r.report) ??
          runs[0];
        return (
          <Stack>
            <Group justify="space-between">
              <Title order={2}>{campaign.name}</Title>
              <Button onClick={startRun} loading={starting} disabled={!may('POST /v1/campaigns/{campaignId}/runs')}>
                {t('campaigns.runNow')}
              </Button>
            </Group>
            {failure !== undefined ? <Failure error={failure} /> : null}
            {campaign.description ? <Text>{campaign.description}</Text> : null}
            {may('POST /v1/campaigns/{campaignId}/estimate') ? <CampaignEstimate campaignId={campaignId} /> : null}
            <Card withBorder>
              <Text fw={600} mb="xs">
                {t('campaigns.runs')}
              </Text>
              {runs.length === 0 ? (
                <Empty>{t('campaigns.noRuns')}</Empty>
              ) : (
                <Table data-testid="campaign-runs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('campaigns.run')}</Table.Th>
                      <Table.Th>{t('field.status')}</Table.Th>
                      <Table.Th>{t('campaigns.startedAt')}</Table.Th>
                      <Table.Th>{t('campaigns.audience')}</Table.Th>
                      <Table.Th>{t('lift.absolute')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {runs.map((r) => (
                      <Table.Tr key={r.runId} bg={r.runId === shown?.runId ? 'blue.0' : undefined}>
                        <Table.Td>
                          <Anchor href={href('campaigns', campaignId, 'runs', r.runId)}>{r.runId}</Anchor>
                        </Table.Td>
                        <Table.Td>
                          <Badge color={RUN_COLOR[r.status]} variant="light">
                            {t(`run.${r.status}`)}
                          </Badge>
                        </Table.Td>
                        <Table.Td>{dateTime(r.startedAt)}</Table.Td>
                        <Table.Td>{number(r.audience)}</Table.Td>
                        <Table.Td>{r.report?.lift ? <LiftBadge lift={r.report.lift} /> : '–'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
            {shown ? <RunReport run={shown} /> : null}
          </Stack>
        );
      }}
    </Show>
  );
}

function RunReport({ run }: { run: Run }) {
  const { t, number, percent, dateTime } = useI18n();
  const report = run.report;
  return (
    <Card withBorder data-testid="campaign-report">
      <Text fw={600} mb="xs">
        {t('campaigns.report', { run: run.runId })}
      </Text>
      {run.error ? <Alert color="red">{run.error}</Alert> : null}
      {!report ? (
        <Text c="dimmed">
          {run.measureAt ? t('campaigns.measuredAt', { at: dateTime(run.measureAt) }) : t('campaigns.notMeasured')}
        </Text>
      ) : (
        <Stack>
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <Figure label={t('campaigns.audience')} value={number(report.audience)} />
            <Figure label={t('campaigns.treated')} value={number(report.offered.treated)} />
            <Figure label={t('campaigns.heldOut')} value={number(report.offered.heldOut)} />
            <Figure label={t('campaigns.recallRate')} value={percent(report.recallRate)} />
          </SimpleGrid>
          {report.offersToHoldout > 0 ? (
            <Alert color="red">{t('campaigns.offersToHoldout', { n: report.offersToHoldout })}</Alert>
          ) : null}
          {report.early ? <Alert color="yellow">{t('campaigns.early')}</Alert> : null}
          {report.lift ? <LiftPanel lift={report.lift} /> : <Text c="dimmed">{report.liftNote}</Text>}
        </Stack>
      )}
    </Card>
  );
}

function CampaignEstimate({ campaignId }: { campaignId: string }) {
  const { t, number, percent } = useI18n();
  const api = useApi();
  const estimate = useLoad(
    () => ok(api.POST('/v1/campaigns/{campaignId}/estimate', { params: { path: { campaignId } }, body: {} })),
    [api, campaignId],
  );
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        {t('campaigns.estimate')}
      </Text>
      <Show loaded={estimate}>
        {(e) => (
          <SimpleGrid cols={{ base: 2, md: 4 }} data-testid="campaign-estimate">
            <Figure label={t('campaigns.audience')} value={number(e.audience)} />
            <Figure label={t('campaigns.treated')} value={number(e.treated)} />
            <Figure label={t('campaigns.heldOut')} value={number(e.heldOut)} />
            <Figure
              label={t('lift.mde')}
              value={
                e.minimumDetectableEffect === null
                  ? '–'
                  : `${(e.minimumDetectableEffect.absolute * 100).toFixed(2)} pp (${percent(e.minimumDetectableEffect.relative)})`
              }
            />
            <Figure label={t('campaigns.baseRate')} value={percent(e.baseRate)} />
            {e.note ? (
              <Text size="sm" c="dimmed">
                {e.note}
              </Text>
            ) : null}
          </SimpleGrid>
        )}
      </Show>
    </Card>
  );
}
