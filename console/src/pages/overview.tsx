import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { ok, type Schemas } from '../api/client';
import { CohortHeatmap, TrendChart } from '../components/charts';
import { RETENTION_COLUMNS, weeklyCohorts } from '../components/cohorts';
import { Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { useApi } from '../session';

type Kpis = Schemas['KpiReport'];
type Ratio = { value: number | null; numerator: number; denominator: number };

const DAY_MS = 86_400_000;
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function OverviewPage() {
  const { t } = useI18n();
  const api = useApi();
  const [days, setDays] = useState('90');
  const [live, setLive] = useState(false);
  const query = useMemo(() => {
    const to = Date.now();
    return { from: dayOf(to - (Number(days) - 1) * DAY_MS), to: dayOf(to), ...(live ? { live: 'true' as const } : {}) };
  }, [days, live]);
  const kpis = useLoad(() => ok(api.GET('/v1/metrics/kpis', { params: { query } })), [api, query]);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('overview.title')}</Title>
        <SegmentedControl
          aria-label={t('overview.range')}
          value={days}
          onChange={setDays}
          data={['30', '90', '180'].map((d) => ({ value: d, label: t('overview.lastDays', { days: d }) }))}
        />
      </Group>
      <Show loaded={kpis}>{(report) => <KpiView report={report} onLive={() => setLive(true)} />}</Show>
    </Stack>
  );
}

function KpiView({ report, onLive }: { report: Kpis; onLive: () => void }) {
  const { t, number, percent, money, dateTime } = useI18n();
  const currency = report.revenue.currency;
  const ratio = (r: Ratio) => `${percent(r.value)} (${number(r.numerator)}/${number(r.denominator)})`;
  const days = useMemo(() => report.days.map((d) => d.day), [report]);
  const activity = useMemo(
    () => [
      { label: t('kpi.dau'), values: report.days.map((d) => d.activeCustomers) },
      { label: t('kpi.mau'), values: report.days.map((d) => d.monthlyActiveCustomers) },
      { label: t('kpi.newCustomers'), values: report.days.map((d) => d.newCustomers) },
    ],
    [report, t],
  );
  const revenueDays = useMemo(() => report.revenue.days.map((d) => d.day), [report]);
  const revenue = useMemo(
    () => [
      { label: t('kpi.orders'), values: report.revenue.days.map((d) => d.orders) },
      { label: t('kpi.aov'), values: report.revenue.days.map((d) => d.aov.value) },
    ],
    [report, t],
  );
  const cohorts = useMemo(
    () => weeklyCohorts(report.cohorts).map((c) => ({ cohort: c.week, size: c.customers, values: c.rates })),
    [report],
  );
  const months = useMemo(() => report.repurchaseByMonth.map((m) => `${m.month}-01`), [report]);
  const repurchase = useMemo(
    () => [
      { label: t('kpi.repurchase30'), values: report.repurchaseByMonth.map((m) => m.repurchase.within30.value) },
      { label: t('kpi.repurchase60'), values: report.repurchaseByMonth.map((m) => m.repurchase.within60.value) },
      { label: t('kpi.repurchase90'), values: report.repurchaseByMonth.map((m) => m.repurchase.within90.value) },
    ],
    [report, t],
  );
  const recallDays = useMemo(() => report.recall.map((r) => r.measuredAt.slice(0, 10)), [report]);
  const recall = useMemo(
    () => [
      { label: t('kpi.recallRate'), values: report.recall.map((r) => r.recallRate) },
      { label: t('kpi.holdoutRate'), values: report.recall.map((r) => r.holdoutRate) },
    ],
    [report, t],
  );
  return (
    <Stack data-testid="kpis">
      <Group gap="xs">
        <Text c="dimmed" size="sm" data-testid="kpis-as-of">
          {t(report.snapshotAt ? 'overview.asOfSnapshot' : 'overview.asOf', { at: dateTime(report.asOf) })}
        </Text>
        {report.snapshotAt && (
          <Button variant="subtle" size="compact-sm" onClick={onLive}>
            {t('overview.recompute')}
          </Button>
        )}
      </Group>
      <Targets report={report} />
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Kpi label={t('kpi.customers')} value={number(report.customers)} />
        <Kpi label={t('kpi.revenue')} value={currency ? money(report.revenue.total.revenue, currency) : '–'} />
        <Kpi label={t('kpi.orders')} value={number(report.revenue.total.orders)} />
        <Kpi
          label={t('kpi.aov')}
          value={
            currency && report.revenue.total.aov.value !== null ? money(report.revenue.total.aov.value, currency) : '–'
          }
        />
        <Kpi label={t('kpi.retentionD7')} value={ratio(report.retention.d7)} />
        <Kpi label={t('kpi.retentionD30')} value={ratio(report.retention.d30)} />
        <Kpi label={t('kpi.repurchase30')} value={ratio(report.repurchase.within30)} />
        <Kpi label={t('kpi.repurchase90')} value={ratio(report.repurchase.within90)} />
      </SimpleGrid>
      <Card withBorder>
        <Text fw={600} mb="xs">
          {t('overview.activity')}
        </Text>
        <TrendChart days={days} series={activity} label={t('overview.activity')} />
      </Card>
      <Card withBorder>
        <Text fw={600} mb="xs">
          {t('overview.orders')}
        </Text>
        <TrendChart days={revenueDays} series={revenue} label={t('overview.orders')} />
      </Card>
      <Card withBorder>
        <CohortHeatmap
          columns={RETENTION_COLUMNS.map((c) => c.toUpperCase())}
          rows={cohorts}
          caption={t('overview.cohorts')}
          cohortLabel={t('overview.cohortWeek')}
          sizeLabel={t('overview.cohortSize')}
        />
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Text fw={600} mb="xs">
            {t('overview.repurchaseTrend')}
          </Text>
          {months.length > 0 ? (
            <TrendChart days={months} series={repurchase} label={t('overview.repurchaseTrend')} percent />
          ) : (
            <Text c="dimmed">{t('overview.noData')}</Text>
          )}
        </Card>
        <Card withBorder>
          <Text fw={600} mb="xs">
            {t('overview.recallTrend')}
          </Text>
          {recallDays.length > 0 ? (
            <TrendChart days={recallDays} series={recall} label={t('overview.recallTrend')} percent />
          ) : (
            <Text c="dimmed">{t('overview.noRecall')}</Text>
          )}
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Text fw={600} mb="xs">
          {t('overview.churn')}
        </Text>
        <SimpleGrid cols={{ base: 2, md: 6 }}>
          {report.churn.map((c) => (
            <Kpi key={c.month} label={`${c.month}${c.complete ? '' : ' *'}`} value={percent(c.rate.value)} />
          ))}
        </SimpleGrid>
      </Card>
    </Stack>
  );
}

/** Each KPI with a target: its value against it (red below 80 %), and the alerts raised in the period. */
function Targets({ report }: { report: Kpis }) {
  const { t, percent, number, dateTime } = useI18n();
  const targets = Object.entries(report.targets);
  const shown = (kpi: string, value: number | null | undefined) =>
    value === null || value === undefined ? '–' : RATE_KPIS.has(kpi) ? percent(value) : number(Math.round(value));
  return (
    <Card withBorder data-testid="kpi-targets">
      <Text fw={600} mb="xs">
        {t('overview.targets')}
      </Text>
      {targets.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t('overview.noTargets')}
        </Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('overview.kpi')}</Table.Th>
              <Table.Th>{t('overview.value')}</Table.Th>
              <Table.Th>{t('overview.target')}</Table.Th>
              <Table.Th>{t('overview.achieved')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {targets.map(([kpi, target]) => {
              const value = report.values[kpi];
              const achieved =
                value === null || value === undefined
                  ? null
                  : kpi === 'churn'
                    ? value === 0
                      ? 1
                      : target / value
                    : value / target;
              return (
                <Table.Tr key={kpi}>
                  <Table.Td>{kpi}</Table.Td>
                  <Table.Td>{shown(kpi, value)}</Table.Td>
                  <Table.Td>{shown(kpi, target)}</Table.Td>
                  <Table.Td>
                    {achieved === null ? (
                      '–'
                    ) : (
                      <Badge color={achieved < 0.8 ? 'red' : achieved < 1 ? 'yellow' : 'teal'} variant="light">
                        {percent(achieved, 0)}
                      </Badge>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {report.alerts.length > 0 ? (
        <Alert color="red" mt="sm" title={t('overview.alerts', { n: report.alerts.length })} data-testid="kpi-alerts">
          {report.alerts.slice(-10).map((a) => (
            <Text size="sm" key={a.id}>
              {t('overview.alert', {
                day: a.day,
                kpi: a.kpi,
                value: shown(a.kpi, a.value),
                target: shown(a.kpi, a.target),
                at: dateTime(a.raisedAt),
              })}
            </Text>
          ))}
        </Alert>
      ) : null}
    </Card>
  );
}

const RATE_KPIS = new Set([
  'retentionD1',
  'retentionD7',
  'retentionD30',
  'retentionD60',
  'repurchase30',
  'repurchase60',
  'repurchase90',
  'churn',
  'recallRate',
  'couponRedemptionRate',
]);

export function Kpi({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
      {hint ? (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      ) : null}
    </Card>
  );
}
