import { Alert, Button, Checkbox, Code, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ok } from '../api/client';
import { Empty, Failure, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { useApi, useMayCall } from '../session';

const QUEUES = ['', 'profile-updates', 'journey-events', 'journey-steps', 'actions', 'loyalty', 'groups'];

/** Quarantined events and dead letters (the queue `actions`), with replay of the chosen ones. */
export function QuarantinePage() {
  const { t, dateTime } = useI18n();
  const api = useApi();
  const may = useMayCall();
  const [queue, setQueue] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<{ replayed: string[]; unknown: string[] } | null>(null);
  const [failure, setFailure] = useState<unknown>(undefined);
  const query = queue ? { queue } : {};
  const list = useLoad(() => ok(api.GET('/v1/quarantine', { params: { query } })), [api, queue]);
  function toggle(id: string) {
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }
  async function replay() {
    setFailure(undefined);
    try {
      setResult(await ok(api.POST('/v1/quarantine/replay', { params: { query }, body: { ids: [...chosen] } })));
      setChosen(new Set());
      list.reload();
    } catch (e) {
      setFailure(e);
    }
  }
  return (
    <Stack>
      <Title order={2}>{t('quarantine.title')}</Title>
      <Text c="dimmed" size="sm">
        {t('quarantine.help')}
      </Text>
      <Group align="end">
        <Select
          label={t('quarantine.queue')}
          data={QUEUES.map((q) => ({
            value: q,
            label: q === '' ? t('quarantine.allQueues') : q === 'actions' ? t('quarantine.deadLetters') : q,
          }))}
          value={queue}
          onChange={(v) => {
            setQueue(v ?? '');
            setChosen(new Set());
          }}
          allowDeselect={false}
        />
        <Button onClick={replay} disabled={chosen.size === 0 || !may('POST /v1/quarantine/replay')}>
          {t('quarantine.replay', { n: chosen.size })}
        </Button>
      </Group>
      {result ? (
        <Alert color="teal" role="status">
          {t('quarantine.replayed', { n: result.replayed.length })}
          {result.unknown.length > 0 ? ` ${t('quarantine.unknown', { n: result.unknown.length })}` : ''}
        </Alert>
      ) : null}
      {failure !== undefined ? <Failure error={failure} /> : null}
      <Show loaded={list}>
        {({ messages, total }) =>
          messages.length === 0 ? (
            <Empty>{t('quarantine.empty')}</Empty>
          ) : (
            <>
              <Text size="sm">{t('quarantine.total', { shown: messages.length, total })}</Text>
              <Table data-testid="quarantine-list">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>
                      <Checkbox
                        aria-label={t('quarantine.chooseAll')}
                        checked={chosen.size === messages.length}
                        indeterminate={chosen.size > 0 && chosen.size < messages.length}
                        onChange={() =>
                          setChosen(chosen.size === messages.length ? new Set() : new Set(messages.map((m) => m.id)))
                        }
                      />
                    </Table.Th>
                    <Table.Th>{t('quarantine.queue')}</Table.Th>
                    <Table.Th>{t('customers.reason')}</Table.Th>
                    <Table.Th>{t('quarantine.parkedAt')}</Table.Th>
                    <Table.Th>{t('quarantine.body')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {messages.map((m) => (
                    <Table.Tr key={m.id}>
                      <Table.Td>
                        <Checkbox
                          aria-label={t('quarantine.choose', { id: m.id })}
                          checked={chosen.has(m.id)}
                          onChange={() => toggle(m.id)}
                        />
                      </Table.Td>
                      <Table.Td>{m.queue}</Table.Td>
                      <Table.Td>{m.reason}</Table.Td>
                      <Table.Td>{dateTime(m.parkedAt)}</Table.Td>
                      <Table.Td maw={420}>
                        <Code block style={{ maxHeight: 96, overflow: 'auto' }}>
                          {m.body.slice(0, 600)}
                        </Code>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </>
          )
        }
      </Show>
    </Stack>
  );
}
