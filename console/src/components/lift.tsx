// A lift measurement as a marketer reads it: the absolute lift in percentage points with its 95 %
// interval, whether that interval excludes zero, and the warnings that make it untrustworthy.
import { Alert, Badge, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import type { Schemas } from '../api/client';
import { useI18n } from '../i18n/i18n';

type Lift = Schemas['LiftReport'];

const pp = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(2)} pp`;

export function liftInterval(lift: Lift): string {
  return `${pp(lift.absoluteLift.estimate)} [${pp(lift.absoluteLift.lower)}, ${pp(lift.absoluteLift.upper)}]`;
}

/** significant: the interval is above (or below) zero. */
export function liftVerdict(lift: Lift): 'positive' | 'negative' | 'inconclusive' {
  if (lift.absoluteLift.lower > 0) return 'positive';
  if (lift.absoluteLift.upper < 0) return 'negative';
  return 'inconclusive';
}

const VERDICT_COLOR = { positive: 'teal', negative: 'red', inconclusive: 'gray' } as const;

export function LiftBadge({ lift }: { lift: Lift }) {
  const { t } = useI18n();
  const verdict = liftVerdict(lift);
  return (
    <Badge color={VERDICT_COLOR[verdict]} variant="light" title={t(`lift.${verdict}`)}>
      {liftInterval(lift)}
    </Badge>
  );
}

export function LiftPanel({ lift }: { lift: Lift }) {
  const { t, number, percent, money } = useI18n();
  const verdict = liftVerdict(lift);
  return (
    <Stack gap="xs" data-testid="lift-panel">
      <Group gap="xs">
        <Text fw={600}>{t('lift.absolute')}</Text>
        <LiftBadge lift={lift} />
        <Text size="sm" c="dimmed">
          {t(`lift.${verdict}`)}
        </Text>
      </Group>
      {lift.status === 'insufficient_data' ? (
        <Alert color="yellow" title={t('lift.insufficient')}>
          {lift.reasons.map((r) => t(`lift.reason.${r}`)).join(' · ')}
        </Alert>
      ) : null}
      {lift.srm.mismatch ? (
        <Alert color="orange" title={t('lift.srm')}>
          {t('lift.srmDetail', { p: lift.srm.p.toExponential(2) })}
        </Alert>
      ) : null}
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Figure
          label={t('lift.treated')}
          value={`${percent(lift.treated.rate, 2)} (${number(lift.treated.conversions)}/${number(lift.treated.n)})`}
        />
        <Figure
          label={t('lift.holdout')}
          value={`${percent(lift.holdout.rate, 2)} (${number(lift.holdout.conversions)}/${number(lift.holdout.n)})`}
        />
        <Figure
          label={t('lift.relative')}
          value={
            lift.relativeLift.estimate === null
              ? '–'
              : `${percent(lift.relativeLift.estimate)} [${percent(lift.relativeLift.lower)}, ${percent(lift.relativeLift.upper)}]`
          }
        />
        <Figure
          label={t('lift.incremental')}
          value={`${lift.incrementalConversions.estimate.toFixed(1)} [${lift.incrementalConversions.lower.toFixed(1)}, ${lift.incrementalConversions.upper.toFixed(1)}]`}
        />
        {lift.revenue ? (
          <Figure
            label={t('lift.incrementalRevenue')}
            value={money(lift.revenue.incremental.amount, lift.revenue.incremental.currency)}
          />
        ) : null}
        {lift.incentiveCost ? (
          <Figure label={t('lift.cost')} value={money(lift.incentiveCost.amount, lift.incentiveCost.currency)} />
        ) : null}
        <Figure label={t('lift.roi')} value={lift.roi === null ? '–' : percent(lift.roi)} />
        <Figure
          label={t('lift.mde')}
          value={lift.minimumDetectableEffect === null ? '–' : pp(lift.minimumDetectableEffect)}
        />
      </SimpleGrid>
    </Stack>
  );
}

export function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </div>
  );
}
