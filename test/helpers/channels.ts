// Provider failures as channel tests look at them.
import { ProviderError } from '../../functions/ports';

/** The ProviderError a send failed with; fails the test when the send succeeded or threw something else. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('the send succeeded');
}
