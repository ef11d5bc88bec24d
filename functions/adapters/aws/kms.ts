// Data keys generated and wrapped by a KMS key (GenerateDataKey, Decrypt), each bound to its
// customer by the encryption context, so a wrapped key copied to another customer does not open.
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DATA_KEY_BYTES } from '../../core/privacy/sealed';
import { UnreadableDataKeyError } from '../../ports';
import type { KeyWrapper, WrapContext } from './data-keys';

const encryptionContext = (context: WrapContext) => ({
  growthloop: 'data-key',
  tenant: context.tenantId,
  customer: context.customerId,
});

/** KMS refusing the ciphertext itself: the wrapped key will never open, whatever the attempt. */
const REFUSED_CIPHERTEXT = new Set(['InvalidCiphertextException', 'IncorrectKeyException', 'InvalidKeyUsageException']);

function dataKey(plain: Uint8Array | undefined): Uint8Array {
  if (plain?.length !== DATA_KEY_BYTES) throw new Error(`KMS gave a data key of ${plain?.length ?? 0} bytes`);
  return plain;
}

/** Wraps data keys with the KMS key `keyId` (its ARN, id or alias). */
export function kmsKeyWrapper(options: { client: KMSClient; keyId: string }): KeyWrapper {
  const { client, keyId } = options;
  return {
    name: 'kms',
    async generate(context) {
      const out = await client.send(
        new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext(context) }),
      );
      if (!out.CiphertextBlob) throw new Error('KMS gave no wrapped data key');
      return { plain: dataKey(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob).toString('base64') };
    },
    async unwrap(wrapped, context) {
      const decrypt = new DecryptCommand({
        KeyId: keyId,
        CiphertextBlob: Buffer.from(wrapped, 'base64'),
        EncryptionContext: encryptionContext(context),
      });
      // Throttling, a disabled key or missing permissions may pass: only a refused ciphertext is for good.
      const out = await client.send(decrypt).catch((e: unknown) => {
        if (e instanceof Error && REFUSED_CIPHERTEXT.has(e.name))
          throw new UnreadableDataKeyError(`KMS refused the wrapped data key: ${e.name}`, { cause: e });
        throw e;
      });
      if (out.Plaintext?.length !== DATA_KEY_BYTES)
        throw new UnreadableDataKeyError(`KMS opened the wrapped data key to ${out.Plaintext?.length ?? 0} bytes`);
      return out.Plaintext;
    },
  };
}
