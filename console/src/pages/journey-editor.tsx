import {
  Alert,
  Anchor,
  Button,
  Card,
  Code,
  Group,
  List,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useRef, useState } from 'react';
import { ApiError, ok, type Schemas } from '../api/client';
import { locatePath } from '../components/json-path';
import { Failure, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { href, navigate } from '../router';
import { useApi, useMayCall } from '../session';

/** The bundled example journeys (examples/journeys), to start from. */
const EXAMPLES = import.meta.glob<{ default: unknown }>('../../../examples/journeys/*.json', { eager: true });
const examples = Object.entries(EXAMPLES).map(([file, module]) => ({
  value: file.replace(/^.*\//, '').replace(/\.json$/, ''),
  text: JSON.stringify(module.default, null, 2),
}));

type Problem = { path: string; message: string };

export function JourneyEditorPage({ journeyId }: { journeyId?: string }) {
  const api = useApi();
  const existing = useLoad(
    async () =>
      journeyId === undefined ? null : ok(api.GET('/v1/journeys/{journeyId}', { params: { path: { journeyId } } })),
    [api, journeyId],
  );
  return (
    <Show loaded={existing}>
      {(detail) => (
        <Editor journeyId={journeyId} initial={detail ? JSON.stringify(detail.draft ?? detail.journey, null, 2) : ''} />
      )}
    </Show>
  );
}

function Editor({ journeyId, initial }: { journeyId: string | undefined; initial: string }) {
  const { t } = useI18n();
  const api = useApi();
  const may = useMayCall();
  const [text, setText] = useState(initial);
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const [backtest, setBacktest] = useState<Schemas['BacktestReport'] | null>(null);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  const [savedId, setSavedId] = useState(journeyId);
  const area = useRef<HTMLTextAreaElement>(null);

  /** The text as JSON, or the parse error as a problem at the document. */
  function parsed(): unknown {
    try {
      return JSON.parse(text);
    } catch (e) {
      setProblems([{ path: '$', message: (e as Error).message }]);
      return undefined;
    }
  }

  async function run(what: string, work: (journey: unknown) => Promise<void>) {
    const journey = parsed();
    if (journey === undefined) return;
    setBusy(what);
    setFailure(undefined);
    try {
      await work(journey);
    } catch (e) {
      // A refusal of the definition points into it; any other failure is shown as it is.
      if (e instanceof ApiError && e.path && /^(\$|body)/.test(e.path)) {
        setProblems([{ path: e.path.replace(/^body/, '$'), message: e.message }]);
      } else setFailure(e);
    } finally {
      setBusy(null);
    }
  }

  const validate = () =>
    run('validate', async (journey) => {
      const result = await ok(api.POST('/v1/journeys/validate', { body: journey as never }));
      setProblems(result.problems);
    });

  const runBacktest = () =>
    run('backtest', async (journey) => {
      setBacktest(await ok(api.POST('/v1/journeys/backtest', { body: { journey } as never })));
    });

  async function save(journey: unknown): Promise<string> {
    const id = (journey as { id?: unknown }).id;
    const saved =
      savedId !== undefined && savedId === id
        ? await ok(
            api.PUT('/v1/journeys/{journeyId}', { params: { path: { journeyId: savedId } }, body: journey as never }),
          )
        : await ok(api.POST('/v1/journeys', { body: journey as never }));
    setSavedId(saved.id);
    setProblems([]);
    return saved.id;
  }

  const saveDraft = () =>
    run('save', async (journey) => {
      await save(journey);
    });

  const publish = () =>
    run('publish', async (journey) => {
      const id = await save(journey);
      await ok(api.POST('/v1/journeys/{journeyId}/publish', { params: { path: { journeyId: id } } }));
      navigate('journeys', id);
    });

  function show(problem: Problem) {
    const element = area.current;
    if (!element) return;
    const at = locatePath(text, problem.path);
    element.focus();
    element.setSelectionRange(at, at);
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{journeyId ? t('editor.editTitle', { id: journeyId }) : t('editor.newTitle')}</Title>
        {savedId ? <Anchor href={href('journeys', savedId)}>{t('editor.open')}</Anchor> : null}
      </Group>
      {journeyId === undefined ? (
        <Select
          label={t('editor.example')}
          placeholder={t('editor.examplePlaceholder')}
          data={examples.map((e) => e.value)}
          onChange={(value) => {
            const example = examples.find((e) => e.value === value);
            if (example) setText(example.text);
          }}
          searchable
        />
      ) : null}
      <Textarea
        ref={area}
        label={t('editor.definition')}
        description={t('editor.definitionHelp')}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        autosize
        minRows={16}
        maxRows={32}
        spellCheck={false}
        styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }}
        name="definition"
        error={problems && problems.length > 0 ? t('editor.problemsN', { n: problems.length }) : undefined}
      />
      <Group>
        <Button
          variant="default"
          onClick={validate}
          loading={busy === 'validate'}
          disabled={!may('POST /v1/journeys/validate')}
        >
          {t('action.validate')}
        </Button>
        <Button
          variant="default"
          onClick={runBacktest}
          loading={busy === 'backtest'}
          disabled={!may('POST /v1/journeys/backtest')}
        >
          {t('action.backtest')}
        </Button>
        <Button variant="light" onClick={saveDraft} loading={busy === 'save'} disabled={!may('POST /v1/journeys')}>
          {t('action.saveDraft')}
        </Button>
        <Button onClick={publish} loading={busy === 'publish'} disabled={!may('POST /v1/journeys/{journeyId}/publish')}>
          {t('action.publish')}
        </Button>
      </Group>
      {problems !== null ? (
        problems.length === 0 ? (
          <Alert color="teal" role="status">
            {t('editor.valid')}
          </Alert>
        ) : (
          <Alert color="red" title={t('editor.problems')} role="alert">
            <List size="sm" data-testid="problems">
              {problems.map((p) => (
                <List.Item key={`${p.path}:${p.message}`}>
                  <Anchor component="button" type="button" size="sm" onClick={() => show(p)}>
                    <Code>{p.path}</Code>
                  </Anchor>{' '}
                  {p.message}
                </List.Item>
              ))}
            </List>
          </Alert>
        )
      ) : null}
      {failure !== undefined ? <Failure error={failure} /> : null}
      {backtest !== null ? <BacktestReport report={backtest} /> : null}
    </Stack>
  );
}

function BacktestReport({ report }: { report: Schemas['BacktestReport'] }) {
  const { t, number, dateTime } = useI18n();
  return (
    <Card withBorder data-testid="backtest-report">
      <Text fw={600} mb="xs">
        {t('editor.backtest')}
      </Text>
      <Text size="sm" c="dimmed" mb="xs">
        {t('editor.backtestScope', {
          events: number(report.events),
          customers: number(report.customers),
          from: dateTime(report.from),
          to: dateTime(report.to),
        })}
      </Text>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('nav.journeys')}</Table.Th>
            {BACKTEST_COLUMNS.map((c) => (
              <Table.Th key={c}>{t(`stats.${c}`)}</Table.Th>
            ))}
            <Table.Th>{t('editor.actions')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {Object.entries(report.journeys).map(([id, totals]) => (
            <Table.Tr key={id}>
              <Table.Td>{id}</Table.Td>
              {BACKTEST_COLUMNS.map((c) => (
                <Table.Td key={c}>{number(totals[c])}</Table.Td>
              ))}
              <Table.Td>
                {Object.entries(totals.actions)
                  .map(([kind, n]) => `${kind} ${number(n)}`)
                  .join(', ') || '–'}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {report.coupons.issued > 0 ? (
        <Text size="sm" mt="xs">
          {t('editor.couponsIssued', { n: number(report.coupons.issued) })}
        </Text>
      ) : null}
    </Card>
  );
}

const BACKTEST_COLUMNS = ['entered', 'completed', 'exited', 'converted', 'heldOut'] as const;
