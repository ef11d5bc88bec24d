/**
 * Where templates live in the table: all of a tenant's in one partition, `<tenant>#TEMPLATES`.
 * - `T#<id>#V#000001`, `T#<id>#V#000002`…: each version, `{ template }`, written once (put
 *   ifAbsent: the write that claims the version number) and never changed, so a message renders
 *   with the exact text of the version it names;
 * - `HEAD#<id>`: the catalog entry, `{ templateId, latest, name?, channels, locales, createdAt,
 *   updatedAt, version }`, `latest` being the newest version and `version` the revision every
 *   head write is conditional on. Heads sort apart from versions, so listing the catalog reads
 *   the heads only (one Query on `HEAD#`), never the texts.
 *
 * Writing a version claims its item first and moves the head second (never back): a crash between
 * the two leaves the newest version stored but not yet named by the head, and the next write
 * goes on after it (it skips claimed numbers). No gap is ever left in the numbers.
 * A template's ids end at `#` in the sort key, so `cart` and `cart-coupon` never share a prefix.
 */
import { z } from 'zod';
import type { Item, Key } from '../../ports';
import { decodeItem, ItemKey, Version } from '../stored-item';
import { TEMPLATE_CHANNELS, Template, type TemplateChannel } from './schema';

export const templatesPk = (tenantId: string): string => `${tenantId}#TEMPLATES`;
export const HEAD_PREFIX = 'HEAD#';
export const versionsPrefix = (templateId: string): string => `T#${templateId}#V#`;

export const templateHeadKey = (tenantId: string, templateId: string): Key => ({
  pk: templatesPk(tenantId),
  sk: `${HEAD_PREFIX}${templateId}`,
});
export const templateVersionKey = (tenantId: string, templateId: string, version: number): Key => ({
  pk: templatesPk(tenantId),
  sk: `${versionsPrefix(templateId)}${String(version).padStart(6, '0')}`,
});

/** Versions one template may have (the sort key holds six digits). */
export const MAX_TEMPLATE_VERSION = 999_999;

/** What the catalog shows of a template, without its text. */
export const TemplateHead = z.looseObject({
  templateId: z.string(),
  latest: z.int().min(1).max(MAX_TEMPLATE_VERSION),
  name: z.string().optional(),
  channels: z.array(z.enum(TEMPLATE_CHANNELS)),
  locales: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TemplateHead = {
  templateId: string;
  latest: number;
  name?: string;
  channels: TemplateChannel[];
  locales: string[];
  createdAt: string;
  updatedAt: string;
};

/** `<tenant>#TEMPLATES` / `HEAD#<id>`. */
export const TemplateHeadItem = z.looseObject({ ...ItemKey, ...TemplateHead.shape, version: Version });

/** `<tenant>#TEMPLATES` / `T#<id>#V#<nnnnnn>`. */
export const TemplateVersionItem = z.looseObject({ ...ItemKey, template: Template });

export function toTemplateHeadItem(tenantId: string, head: TemplateHead, revision: number): Item {
  return { ...templateHeadKey(tenantId, head.templateId), ...head, version: revision };
}

export function fromTemplateHeadItem(item: Item): { head: TemplateHead; revision: number } {
  const { pk: _pk, sk: _sk, version, ...head } = decodeItem(TemplateHeadItem, item);
  const { templateId, latest, channels, locales, createdAt, updatedAt, name } = head;
  return {
    head: { templateId, latest, channels, locales, createdAt, updatedAt, ...(name !== undefined ? { name } : {}) },
    revision: version,
  };
}

export const toTemplateVersionItem = (tenantId: string, template: Template): Item => ({
  ...templateVersionKey(tenantId, template.id, template.version),
  template,
});

export const fromTemplateVersionItem = (item: Item): Template => decodeItem(TemplateVersionItem, item).template;

const VERSION_SK = /^T#(.+)#V#(\d{6})$/;

/** The template and version a version item's sort key names, if it is one. */
export function versionOfSk(sk: string): { templateId: string; version: number } | undefined {
  const match = VERSION_SK.exec(sk);
  return match?.[1] && match[2] ? { templateId: match[1], version: Number(match[2]) } : undefined;
}
