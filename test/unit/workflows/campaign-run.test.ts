// The campaign run's state machine as the stack deploys it: valid by asl-validator, every
// placeholder one the stack substitutes, and nothing aws-local-stepfunctions would run silently
// wrong (JSONata, variables, Distributed Map and its reader and batcher).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_RUN_SUBSTITUTIONS,
  campaignRunAsl,
  campaignRunDefinition,
} from '../../../functions/workflows/campaign-run';

type Validator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => {
  isValid: boolean;
  errors: unknown[];
};
const validate = createRequire(import.meta.url)('asl-validator') as Validator;

const substituted = () =>
  campaignRunDefinition({
    TableName: 'growthloop',
    CampaignStepsFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:growthloop-campaign-steps',
    EventBusName: 'growthloop',
  });

describe('the campaign run state machine', () => {
  it('passes asl-validator with no error, ARNs and paths checked', () => {
    const result = validate(substituted(), { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
    // The validator does refuse: a transition to a state that is not there.
    const broken = substituted() as { States: Record<string, { Next?: string }> };
    (broken.States.Select as { Next: string }).Next = 'Nowhere';
    expect(validate(broken, { checkPaths: true, checkArn: true }).isValid).toBe(false);
  });

  it('has exactly the placeholders the stack substitutes', () => {
    const placeholders = new Set([...campaignRunAsl().matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([...CAMPAIGN_RUN_SUBSTITUTIONS].sort());
    expect(() => campaignRunDefinition({ TableName: 't' } as never)).toThrow(/unknown placeholder/);
  });

  it('uses nothing the local interpreter would run differently from Step Functions', () => {
    const text = campaignRunAsl();
    for (const feature of ['JSONata', '"Assign"', 'ItemReader', 'ItemBatcher', 'DISTRIBUTED', 'ResultWriter', '{%'])
      expect(text).not.toContain(feature);
  });

  it('catches every failure into the failure record, and retries the steps', () => {
    const { States } = substituted() as { States: Record<string, Record<string, unknown>> };
    for (const [name, state] of Object.entries(States)) {
      if (state.Type !== 'Task' || ['RecordFailure', 'AnnounceFailure'].includes(name)) continue;
      expect(state.Catch, name).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RecordFailure' }),
      ]);
      expect(state.Retry, name).toBeDefined();
    }
  });
});
