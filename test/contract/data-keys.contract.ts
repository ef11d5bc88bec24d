// The contract every DataKeys adapter passes: one key per customer, created once however many ask
// at the same time, found again by a fresh instance, gone (and never found again) once the
// customer's key item is deleted, and bound to its customer.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { dataKeyKey } from '../../functions/adapters/aws/data-keys';
import { IV_BYTES, openValue, sealValue } from '../../functions/core/privacy/sealed';
import type { DataKeys, Store } from '../../functions/ports';

export type DataKeysSubject = { store: Store; dataKeys: () => DataKeys };

let n = 0;
const customer = () => ({ tenantId: 'shop-a', customerId: `cust-${Date.now()}-${++n}` });

export function dataKeysContract(subject: () => DataKeysSubject) {
  it('creates a customer key once and finds it again from another instance', async () => {
    const { tenantId, customerId } = customer();
    const { dataKeys } = subject();
    const key = await dataKeys().obtain(tenantId, customerId);
    expect(key.length).toBe(32);
    expect(Buffer.from(await dataKeys().obtain(tenantId, customerId))).toEqual(Buffer.from(key));
    expect(Buffer.from((await dataKeys().find(tenantId, customerId)) as Uint8Array)).toEqual(Buffer.from(key));
  });

  it('finds no key for a customer who has none, and creates none by looking', async () => {
    const { tenantId, customerId } = customer();
    const { store, dataKeys } = subject();
    expect(await dataKeys().find(tenantId, customerId)).toBeUndefined();
    expect(await store.get(dataKeyKey(tenantId, customerId), { consistent: true })).toBeUndefined();
  });

  it('gives every concurrent caller the same key', async () => {
    const { tenantId, customerId } = customer();
    const { dataKeys } = subject();
    const keys = await Promise.all(Array.from({ length: 8 }, () => dataKeys().obtain(tenantId, customerId)));
    for (const key of keys) expect(Buffer.from(key)).toEqual(Buffer.from(keys[0] as Uint8Array));
  });

  it('keeps the key only wrapped in the table, bound to its customer', async () => {
    const a = customer();
    const b = customer();
    const { store, dataKeys } = subject();
    const key = await dataKeys().obtain(a.tenantId, a.customerId);
    const item = await store.get(dataKeyKey(a.tenantId, a.customerId), { consistent: true });
    const stored = JSON.stringify(item);
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      expect(stored).not.toContain(Buffer.from(key).toString(encoding));
    }
    // the wrapped key copied into another customer's partition does not open there
    await store.put({ ...(item as object), ...dataKeyKey(b.tenantId, b.customerId) } as Parameters<Store['put']>[0]);
    await expect(dataKeys().find(b.tenantId, b.customerId)).rejects.toThrow();
  });

  it('once the key item is deleted, what was sealed under it opens no more, and a new key is a different one', async () => {
    const owner = customer();
    const { store, dataKeys } = subject();
    const path = ['properties', 'traits', 'email'];
    const key = await dataKeys().obtain(owner.tenantId, owner.customerId);
    const sealed = sealValue(key, randomBytes(IV_BYTES), owner, path, 'ada@example.com');
    const found = await dataKeys().find(owner.tenantId, owner.customerId);
    expect(openValue(found, owner, path, sealed)).toEqual({ value: 'ada@example.com' });
    await store.delete(dataKeyKey(owner.tenantId, owner.customerId));
    const after = dataKeys();
    expect(await after.find(owner.tenantId, owner.customerId)).toBeUndefined();
    const renewed = await after.obtain(owner.tenantId, owner.customerId);
    expect(Buffer.from(renewed)).not.toEqual(Buffer.from(key));
    expect(openValue(renewed, owner, path, sealed)).toBeUndefined();
  });
}
