import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Grid,
  Group,
  NavLink,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ok, type Schemas } from '../api/client';
import { Empty, Failure, Show, useLoad } from '../components/load';
import { useI18n } from '../i18n/i18n';
import { href } from '../router';
import { useApi, useMayCall } from '../session';

export function TemplatesPage({ templateId }: { templateId: string | undefined }) {
  const { t } = useI18n();
  const api = useApi();
  const list = useLoad(() => ok(api.GET('/v1/templates')), [api]);
  return (
    <Stack>
      <Title order={2}>{t('templates.title')}</Title>
      <Grid>
        <Grid.Col span={{ base: 12, md: 3 }}>
          <Show loaded={list}>
            {({ templates }) =>
              templates.length === 0 ? (
                <Empty>{t('templates.empty')}</Empty>
              ) : (
                <nav aria-label={t('templates.title')} data-testid="template-list">
                  {templates.map((tpl) => (
                    <NavLink
                      key={tpl.templateId}
                      href={href('templates', tpl.templateId)}
                      label={tpl.name ?? tpl.templateId}
                      description={`${tpl.channels.join(', ')} · v${tpl.latest}`}
                      active={tpl.templateId === templateId}
                    />
                  ))}
                </nav>
              )
            }
          </Show>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>
          {templateId ? (
            <TemplateDetail key={templateId} templateId={templateId} onSaved={list.reload} />
          ) : (
            <Empty>{t('templates.pick')}</Empty>
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function TemplateDetail({ templateId, onSaved }: { templateId: string; onSaved: () => void }) {
  const api = useApi();
  const loaded = useLoad(
    () => ok(api.GET('/v1/templates/{templateId}', { params: { path: { templateId } } })),
    [api, templateId],
  );
  return (
    <Show loaded={loaded}>
      {(template) => (
        <Stack>
          <TemplateEditor
            template={template}
            onSaved={() => {
              loaded.reload();
              onSaved();
            }}
          />
          <TemplatePreviewer templateId={templateId} />
          <TemplateTest templateId={templateId} channels={Object.keys(template.channels)} />
        </Stack>
      )}
    </Show>
  );
}

function TemplateEditor({ template, onSaved }: { template: Schemas['TemplateVersion']; onSaved: () => void }) {
  const { t } = useI18n();
  const api = useApi();
  const may = useMayCall();
  const { version: _version, ...definition } = template;
  const [text, setText] = useState(JSON.stringify(definition, null, 2));
  const [failure, setFailure] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  async function save() {
    setBusy(true);
    setFailure(undefined);
    setSaved(null);
    try {
      const body = JSON.parse(text) as never;
      const version = await ok(api.POST('/v1/templates', { body }));
      setSaved(version.version);
      onSaved();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Group>
          <Text fw={600}>{template.name ?? template.id}</Text>
          <Badge variant="light">v{template.version}</Badge>
        </Group>
        <Button size="xs" onClick={save} loading={busy} disabled={!may('POST /v1/templates')}>
          {t('templates.saveVersion')}
        </Button>
      </Group>
      <Textarea
        label={t('templates.definition')}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        autosize
        minRows={8}
        maxRows={20}
        spellCheck={false}
        styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }}
      />
      {saved !== null ? (
        <Alert mt="xs" color="teal" role="status">
          {t('templates.saved', { version: saved })}
        </Alert>
      ) : null}
      {failure !== undefined ? <Failure error={failure} /> : null}
    </Card>
  );
}

type Preview = Schemas['TemplatePreview'];

function TemplatePreviewer({ templateId }: { templateId: string }) {
  const { t } = useI18n();
  const api = useApi();
  const may = useMayCall();
  const [customerId, setCustomerId] = useState('');
  const [couponCode, setCouponCode] = useState('PREVIEW-10');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      setPreview(
        await ok(
          api.POST('/v1/templates/{templateId}/preview', {
            params: { path: { templateId } },
            // The coupon and the unsubscribe link are the send's: samples stand in for them here.
            body: {
              customerId: customerId.trim(),
              variables: {
                unsubscribe_url: `${window.location.origin}/u/preview`,
                ...(couponCode.trim() ? { coupon: { code: couponCode.trim(), kind: 'percent', percent: 10 } } : {}),
              },
            },
          }),
        ),
      );
    } catch (e) {
      setPreview(null);
      setFailure(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card withBorder>
      <form onSubmit={submit}>
        <Group align="end">
          <TextInput
            label={t('templates.previewFor')}
            placeholder={t('customers.idPlaceholder')}
            value={customerId}
            onChange={(e) => setCustomerId(e.currentTarget.value)}
            name="customerId"
            required
          />
          <TextInput
            label={t('templates.sampleCoupon')}
            description={t('templates.sampleCouponHelp')}
            value={couponCode}
            onChange={(e) => setCouponCode(e.currentTarget.value)}
            name="couponCode"
          />
          <Button type="submit" loading={busy} disabled={!may('POST /v1/templates/{templateId}/preview')}>
            {t('action.preview')}
          </Button>
        </Group>
      </form>
      {failure !== undefined ? <Failure error={failure} /> : null}
      {preview ? <Rendered preview={preview} /> : null}
    </Card>
  );
}

function Rendered({ preview }: { preview: Preview }) {
  const { t } = useI18n();
  return (
    <Stack mt="md" data-testid="template-preview">
      {preview.channels.map((c) => (
        <Card key={c.channel} withBorder bg="gray.0">
          <Badge mb="xs">{c.channel}</Badge>
          {'error' in c ? (
            <Alert color="red">{c.error.message}</Alert>
          ) : c.rendered.channel === 'email' ? (
            <Stack gap="xs">
              <Text>
                <b>{t('templates.subject')}:</b> {c.rendered.subject}
              </Text>
              {c.rendered.html ? (
                <iframe
                  title={t('templates.htmlPreview')}
                  sandbox=""
                  srcDoc={c.rendered.html}
                  style={{ width: '100%', height: 320, border: '1px solid #dee2e6', background: 'white' }}
                />
              ) : null}
              <Code block>{c.rendered.text}</Code>
            </Stack>
          ) : (
            <Code block>{JSON.stringify(c.rendered, null, 2)}</Code>
          )}
        </Card>
      ))}
    </Stack>
  );
}

const TESTABLE = ['email', 'sms', 'push'] as const;
type Testable = (typeof TESTABLE)[number];

function TemplateTest({ templateId, channels }: { templateId: string; channels: string[] }) {
  const { t } = useI18n();
  const api = useApi();
  const may = useMayCall();
  const options = TESTABLE.filter((c) => channels.includes(c));
  const [channel, setChannel] = useState<Testable | null>(options[0] ?? null);
  const [customerId, setCustomerId] = useState('');
  const [to, setTo] = useState('');
  const [sent, setSent] = useState<Schemas['TemplateTestSend'] | null>(null);
  const [failure, setFailure] = useState<unknown>(undefined);
  if (options.length === 0) return null;
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!channel) return;
    setFailure(undefined);
    setSent(null);
    try {
      setSent(
        await ok(
          api.POST('/v1/templates/{templateId}/test', {
            params: { path: { templateId } },
            body: { customerId: customerId.trim(), channel, to: to.trim() },
          }),
        ),
      );
    } catch (e) {
      setFailure(e);
    }
  }
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        {t('templates.test')}
      </Text>
      <form onSubmit={submit}>
        <Group align="end">
          <Select
            label={t('templates.channel')}
            data={options}
            value={channel}
            onChange={(v) => setChannel(v as Testable)}
            allowDeselect={false}
          />
          <TextInput
            label={t('customers.id')}
            value={customerId}
            onChange={(e) => setCustomerId(e.currentTarget.value)}
            required
          />
          <TextInput label={t('templates.to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} required />
          <Button type="submit" variant="light" disabled={!may('POST /v1/templates/{templateId}/test')}>
            {t('action.sendTest')}
          </Button>
        </Group>
      </form>
      {sent ? (
        <Alert mt="xs" color="teal" role="status">
          {t('templates.testSent')} <Anchor href={href('customers', customerId.trim())}>{sent.key}</Anchor>
        </Alert>
      ) : null}
      {failure !== undefined ? <Failure error={failure} /> : null}
    </Card>
  );
}
