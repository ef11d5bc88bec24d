import { Progress, Stack, Table, Text, Title } from '@mantine/core';
import { ok, type Schemas } from '../api/client';
import { Empty, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { useApi } from '../session';

export function CouponPoolsPage() {
  const { t, number, money } = useI18n();
  const api = useApi();
  const pools = useLoad(() => ok(api.GET('/v1/coupon-pools')), [api]);
  const value = (v: Schemas['CouponPoolSettingsView']['value']) =>
    v.type === 'amount'
      ? money(v.amount.amount, v.amount.currency)
      : v.type === 'percent'
        ? `${v.percent} %`
        : v.type === 'gift'
          ? v.sku
          : t('coupons.freeShipping');
  return (
    <Stack>
      <Title order={2}>{t('coupons.title')}</Title>
      <Show loaded={pools}>
        {({ pools: list }) =>
          list.length === 0 ? (
            <Empty>{t('coupons.empty')}</Empty>
          ) : (
            <Table striped data-testid="coupon-pools">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('field.name')}</Table.Th>
                  <Table.Th>{t('coupons.value')}</Table.Th>
                  <Table.Th>{t('coupons.available')}</Table.Th>
                  <Table.Th>{t('coupons.issued')}</Table.Th>
                  <Table.Th>{t('coupons.redeemed')}</Table.Th>
                  <Table.Th>{t('coupons.budgetRefusals')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map(({ pool, stats }) => (
                  <Table.Tr key={pool.id}>
                    <Table.Td>
                      <Text>{pool.name ?? pool.id}</Text>
                      <Text size="xs" c="dimmed">
                        {pool.id} · {pool.kind}
                      </Text>
                    </Table.Td>
                    <Table.Td>{value(pool.value)}</Table.Td>
                    <Table.Td>
                      {number(stats.available)} / {number(stats.size)}
                      <Progress
                        value={stats.size === 0 ? 0 : (100 * stats.available) / stats.size}
                        size="xs"
                        aria-label={t('coupons.available')}
                      />
                    </Table.Td>
                    <Table.Td>{number(stats.issued)}</Table.Td>
                    <Table.Td>{number(stats.redeemed)}</Table.Td>
                    <Table.Td>{number(stats.budgetRefusals)}</Table.Td>
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
