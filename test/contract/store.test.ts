import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeWithEmulator } from '../helpers/moto';
import { dynaliteStore, motoStore, type TestStore } from '../helpers/stores';
import { storeContract } from './store.contract';

function storeSuite(start: () => Promise<TestStore>, options: { billsBySize: boolean }) {
  let subject: TestStore;
  beforeAll(async () => {
    subject = await start();
  });
  afterAll(() => subject.stop());
  storeContract(() => subject.store, options);
}

describe('DynamoDB store on dynalite in memory', () => storeSuite(() => dynaliteStore(), { billsBySize: true }));

describe('DynamoDB store on dynalite on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'growthloop-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storeSuite(() => dynaliteStore(dir), { billsBySize: true });
});

describeWithEmulator('DynamoDB store on moto_server', () => storeSuite(motoStore, { billsBySize: false }));
