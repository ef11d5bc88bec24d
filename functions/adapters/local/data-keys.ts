// The local master key that wraps the customers' data keys under `npm start`, as a KMS key does
// in AWS: one file in the data directory (created on first start, readable by its owner only).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DATA_KEY_BYTES, IV_BYTES } from '../../core/privacy/sealed';
import { type Clock, type DataKeys, type Store, UnreadableDataKeyError } from '../../ports';
import { createTableDataKeys, type KeyWrapper, type WrapContext } from '../aws/data-keys';

/** The master key's file in the data directory. */
export const MASTER_KEY_FILE = 'master.key';
const TAG_BYTES = 16;

/** The master key in `path` (base64 of 32 bytes), created with mode 0600 if there is none. */
export function readOrCreateMasterKey(path: string): Uint8Array {
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${randomBytes(DATA_KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== DATA_KEY_BYTES) {
    throw new Error(`${path} must hold the base64 of ${DATA_KEY_BYTES} bytes (the master key of the data keys)`);
  }
  return key;
}

const contextBytes = (context: WrapContext) =>
  Buffer.from(JSON.stringify(['data-key', context.tenantId, context.customerId]), 'utf8');

/** Wraps data keys with AES-256-GCM under `masterKey`, bound to their customer. */
export function localKeyWrapper(masterKey: Uint8Array): KeyWrapper {
  if (masterKey.length !== DATA_KEY_BYTES) throw new Error(`a master key has ${DATA_KEY_BYTES} bytes`);
  return {
    name: 'local',
    async generate(context) {
      const plain = randomBytes(DATA_KEY_BYTES);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(contextBytes(context));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return { plain, wrapped: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64') };
    },
    async unwrap(wrapped, context) {
      const bytes = Buffer.from(wrapped, 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey, bytes.subarray(0, IV_BYTES), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(contextBytes(context));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
      } catch (e) {
        throw new UnreadableDataKeyError('the data key was not wrapped by this master key for this customer', {
          cause: e,
        });
      }
    },
  };
}

/** Data keys in the table, wrapped by the local master key (a fresh one in memory when none is given). */
export function createLocalDataKeys(options: { store: Store; clock: Clock; masterKey?: Uint8Array }): DataKeys {
  const wrapper = localKeyWrapper(options.masterKey ?? randomBytes(DATA_KEY_BYTES));
  return createTableDataKeys({ store: options.store, wrapper, clock: options.clock });
}
