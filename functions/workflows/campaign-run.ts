// The campaign run's state machine: one ASL file (JSONPath), deployed by the stack with its
// placeholders given as definition substitutions, and run locally by aws-local-stepfunctions.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CAMPAIGN_RUN_ASL = fileURLToPath(new URL('./campaign-run.asl.json', import.meta.url));

/** The placeholders of the definition (`${Name}`): the stack's definitionSubstitutions give each. */
export const CAMPAIGN_RUN_SUBSTITUTIONS = ['TableName', 'CampaignStepsFunctionArn', 'EventBusName'] as const;
export type CampaignRunSubstitutions = Record<(typeof CAMPAIGN_RUN_SUBSTITUTIONS)[number], string>;

/** The definition's text as the file has it, placeholders included. */
export const campaignRunAsl = (): string => readFileSync(CAMPAIGN_RUN_ASL, 'utf8');

/** The definition with every placeholder replaced, as Step Functions receives it. */
export function campaignRunDefinition(values: CampaignRunSubstitutions): Record<string, unknown> {
  const text = campaignRunAsl().replace(/\$\{(\w+)\}/g, (placeholder, name: string) => {
    if (!Object.hasOwn(values, name))
      throw new Error(`the campaign run definition has an unknown placeholder ${placeholder}`);
    // Inside a JSON string: escaped as JSON would.
    return JSON.stringify(values[name as keyof CampaignRunSubstitutions]).slice(1, -1);
  });
  return JSON.parse(text) as Record<string, unknown>;
}
