import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createGrowthloopApp } from '../../../lib/app';
import type { GrowthloopStack } from '../../../lib/growthloop-stack';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const outdir = mkdtempSync(join(tmpdir(), 'growthloop-cdk-keys-'));
const { stack } = createGrowthloopApp({
  outdir,
  context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], config: join(outdir, 'none.json') },
});
const template = Template.fromStack(stack as GrowthloopStack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, never> }>;

type Statement = { Action: string | string[]; Condition?: unknown; Resource: unknown };
function statementsOfRoleOf(description: RegExp): Statement[] {
  const [fnId, fn] = Object.entries(resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && description.test(String(r.Properties?.Description)),
  ) ?? ['', undefined];
  expect(fn, `a function described ${description}`).toBeDefined();
  const roleId = JSON.stringify((fn?.Properties as Record<string, unknown> | undefined)?.Role).match(
    /"([A-Za-z0-9]+)","Arn"/,
  )?.[1];
  expect(roleId, fnId).toBeDefined();
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap(
      (r) => (r.Properties as unknown as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );
}
const kmsActions = (statements: Statement[]) =>
  statements.flatMap((s) =>
    [s.Action]
      .flat()
      .filter((a) => a.startsWith('kms:'))
      .map((a) => ({ a, c: s.Condition })),
  );

describe('the data-key KMS key', () => {
  it('is a rotated KMS key that outlives the stack', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('per-customer data keys') },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets the functions that put events on the bus generate data keys, those that read them only decrypt, with its context', () => {
    const context = { StringEquals: { 'kms:EncryptionContext:growthloop': 'data-key' } };
    for (const sealing of [/ingest/i, /segment/i, /webhook/i]) {
      const actions = kmsActions(statementsOfRoleOf(sealing));
      expect(actions.map((x) => x.a).sort(), String(sealing)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      for (const { c } of actions) expect(c).toEqual(context);
    }
    for (const opening of [/profiles/i, /journeys/i]) {
      const actions = kmsActions(statementsOfRoleOf(opening));
      expect(
        actions.map((x) => x.a),
        String(opening),
      ).toEqual(['kms:Decrypt']);
      for (const { c } of actions) expect(c).toEqual(context);
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('ingest'),
      Environment: { Variables: Match.objectLike({ DATA_KEY_ARN: Match.anyValue() }) },
    });
  });
});
