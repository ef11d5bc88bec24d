import { Badge, Button, Card, Group, SegmentedControl, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { ok, type Schemas } from '../api/client';
import { Empty, Failure, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { useApi, useMayCall } from '../session';

const REVIEWER_KEY = 'growthloop.reviewer';

export function ReferralsPage() {
  const { t } = useI18n();
  const [view, setView] = useState<'pending' | 'decided'>('pending');
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('referrals.title')}</Title>
        <SegmentedControl
          aria-label={t('referrals.view')}
          value={view}
          onChange={(v) => setView(v as 'pending' | 'decided')}
          data={[
            { value: 'pending', label: t('referrals.pending') },
            { value: 'decided', label: t('referrals.decided') },
          ]}
        />
      </Group>
      {view === 'pending' ? <PendingReviews /> : <Decisions />}
    </Stack>
  );
}

function PendingReviews() {
  const { t, dateTime } = useI18n();
  const api = useApi();
  const mayDecide = useMayCall()('POST /v1/referrals/{friendId}/review');
  const [reviewer, setReviewer] = useState(() => localStorage.getItem(REVIEWER_KEY) ?? '');
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<unknown>(undefined);
  const list = useLoad(async () => {
    const answer = await ok(api.GET('/v1/referrals/review'));
    return 'referrals' in answer ? answer.referrals : [];
  }, [api]);
  async function decide(referral: Schemas['ReferralView'], decision: 'approve' | 'reject') {
    setFailure(undefined);
    localStorage.setItem(REVIEWER_KEY, reviewer);
    try {
      await ok(
        api.POST('/v1/referrals/{friendId}/review', {
          params: { path: { friendId: referral.friendId } },
          body: { decision, reviewer: reviewer.trim(), ...(note.trim() ? { note: note.trim() } : {}) },
        }),
      );
      setNote('');
      list.reload();
    } catch (e) {
      setFailure(e);
    }
  }
  return (
    <Stack>
      <Group align="end">
        <TextInput
          label={t('referrals.reviewer')}
          value={reviewer}
          onChange={(e) => setReviewer(e.currentTarget.value)}
          required
        />
        <TextInput label={t('referrals.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} w={320} />
      </Group>
      {failure !== undefined ? <Failure error={failure} /> : null}
      <Show loaded={list}>
        {(referrals) =>
          referrals.length === 0 ? (
            <Empty>{t('referrals.none')}</Empty>
          ) : (
            <Table data-testid="referral-reviews">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('referrals.friend')}</Table.Th>
                  <Table.Th>{t('referrals.inviter')}</Table.Th>
                  <Table.Th>{t('referrals.acceptedAt')}</Table.Th>
                  <Table.Th>{t('referrals.flags')}</Table.Th>
                  <Table.Th>{t('referrals.decision')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {referrals.map((r) => (
                  <Table.Tr key={r.friendId}>
                    <Table.Td>{r.friendId}</Table.Td>
                    <Table.Td>{r.inviterId}</Table.Td>
                    <Table.Td>{dateTime(r.acceptedAt)}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {r.flags.map((f) => (
                          <Badge key={f} color="orange" variant="light">
                            {f}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs">
                        <Button
                          size="xs"
                          color="teal"
                          disabled={!reviewer.trim() || !mayDecide}
                          onClick={() => decide(r, 'approve')}
                          aria-label={t('referrals.approveFor', { id: r.friendId })}
                        >
                          {t('referrals.approve')}
                        </Button>
                        <Button
                          size="xs"
                          color="red"
                          variant="light"
                          disabled={!reviewer.trim() || !mayDecide}
                          onClick={() => decide(r, 'reject')}
                          aria-label={t('referrals.rejectFor', { id: r.friendId })}
                        >
                          {t('referrals.reject')}
                        </Button>
                      </Group>
                    </Table.Td>
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

function Decisions() {
  const { t, dateTime } = useI18n();
  const api = useApi();
  const list = useLoad(async () => {
    const answer = await ok(api.GET('/v1/referrals/review', { params: { query: { decided: 'true' } } }));
    return 'decisions' in answer ? answer.decisions : [];
  }, [api]);
  return (
    <Card withBorder>
      <Show loaded={list}>
        {(decisions) =>
          decisions.length === 0 ? (
            <Empty>{t('referrals.noDecisions')}</Empty>
          ) : (
            <Table data-testid="referral-decisions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('referrals.friend')}</Table.Th>
                  <Table.Th>{t('referrals.decision')}</Table.Th>
                  <Table.Th>{t('referrals.reviewer')}</Table.Th>
                  <Table.Th>{t('referrals.note')}</Table.Th>
                  <Table.Th>{t('customers.when')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {decisions.map((d) => (
                  <Table.Tr key={`${d.friendId}-${d.at}`}>
                    <Table.Td>{d.friendId}</Table.Td>
                    <Table.Td>
                      <Badge color={d.decision === 'approve' ? 'teal' : 'red'}>{t(`referrals.${d.decision}`)}</Badge>
                    </Table.Td>
                    <Table.Td>{d.reviewer}</Table.Td>
                    <Table.Td>{d.note ?? '–'}</Table.Td>
                    <Table.Td>{dateTime(d.at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </Show>
    </Card>
  );
}
