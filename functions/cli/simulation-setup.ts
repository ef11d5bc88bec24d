// What `growthloop simulate` saves in the simulated store before the first event: the bundled
// examples' templates and coupon pools with any given, and the campaigns (the bundled recall
// campaign unless some are given) and journeys named.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateCampaign } from '../core/campaigns/validate';
import type { SimulationSetup } from '../runtime/simulation';
import { CliError } from './command';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliError(`cannot read ${file}: ${reason}`);
  }
}

const bundled = (dir: string) =>
  readdirSync(join(EXAMPLES, dir))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(EXAMPLES, dir, name));

export function simulationSetup(files: {
  campaigns?: readonly string[];
  journeys?: readonly string[];
  templates?: readonly string[];
  pools?: readonly string[];
}): SimulationSetup {
  const campaigns = (files.campaigns?.length ? files.campaigns : bundled('campaigns')).map((file) => {
    const { campaign, problems } = validateCampaign(readJson(file));
    if (!campaign) {
      const first = problems[0];
      throw new CliError(`${file} is not a valid campaign: ${first?.path}: ${first?.message}`);
    }
    return campaign;
  });
  return {
    templates: [...bundled('templates'), ...(files.templates ?? [])].map(readJson),
    pools: [...bundled('coupon-pools'), ...(files.pools ?? [])].map(readJson),
    journeys: (files.journeys ?? []).map(readJson),
    campaigns,
  };
}
