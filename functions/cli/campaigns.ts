/**
 * `growthloop campaigns schema|validate`: the campaign language as JSON Schema, and checks of
 * campaign files; with an expected audience and base rate, what the holdout can detect. The
 * subcommands that talk to a running growthloop are in campaign-runs.ts.
 */
import { z } from 'zod';
import { holdoutPower } from '../core/campaigns/estimate';
import { Campaign } from '../core/campaigns/schema';
import { validateCampaign } from '../core/campaigns/validate';
import { CAMPAIGN_API_COMMANDS } from './campaign-runs';
import { parseOptions, reportFailure, UsageError, usageText, wantsHelp } from './command';
import { channelList, type FileReport, formatReports, validateFiles } from './definition-files';
import { type Io, processIo } from './io';
import { API_NOTES, CAMPAIGNS, CAMPAIGNS_USAGE } from './usage';

export function campaignSchema(): object {
  return {
    $id: 'https://growthloop.dev/schemas/campaign.json',
    title: 'growthloop campaign',
    ...z.toJSONSchema(Campaign, { io: 'input', unrepresentable: 'any' }),
  };
}

const OPTIONS = {
  schema: {},
  validate: {
    channels: { type: 'string' },
    audience: { type: 'string' },
    'base-rate': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
} as const;

type Power = { holdout: number; treated: number; baseRate: number; minimumDetectableEffect: number | null };

/** How many the holdout takes of an audience, and the smallest lift it detects at 80 % power. */
function powerOf(campaign: Campaign, audience: number, baseRate: number): Power {
  const members = Math.min(audience, campaign.maxAudience ?? audience);
  const holdout = Math.round((members * campaign.holdout.percent) / 100);
  const treated = members - holdout;
  const effect = holdoutPower({ treated, heldOut: holdout }, baseRate).minimumDetectableEffect;
  return { holdout, treated, baseRate, minimumDetectableEffect: effect?.absolute ?? null };
}

function number(text: string | undefined, name: string, check: (n: number) => boolean, what: string) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${name} must be ${what}, got "${text}"`);
  return n;
}

const pp = (rate: number) => `${(rate * 100).toFixed(2)} pp`;

function formatPower(file: string, power: Power | undefined): string {
  if (!power) return '';
  const effect =
    power.minimumDetectableEffect === null
      ? 'too few members to detect any lift'
      : `detects a lift of ${pp(power.minimumDetectableEffect)} or more over a base rate of ${(power.baseRate * 100).toFixed(2)} % at 80 % power`;
  return `  ${file}: ${power.treated} treated, ${power.holdout} held out: ${effect}\n`;
}

const isSubcommand = (sub: string): sub is keyof typeof CAMPAIGNS => Object.hasOwn(CAMPAIGNS, sub);
const SUBCOMMANDS = `${Object.keys(CAMPAIGNS).slice(0, -1).join(', ')} or ${Object.keys(CAMPAIGNS).at(-1)}`;
const usageOf = (sub: keyof typeof CAMPAIGNS) =>
  Object.hasOwn(CAMPAIGN_API_COMMANDS, sub) ? usageText([CAMPAIGNS[sub]], API_NOTES) : usageText([CAMPAIGNS[sub]]);

/** Runs `campaigns ARGS`; returns the exit code (0; 1 when validate finds a problem; 2 when the command cannot run). */
export async function runCampaignsCli(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  let usage = CAMPAIGNS_USAGE;
  try {
    if (sub === 'help' || sub === '--help' || sub === '-h') {
      const [topic] = rest;
      io.out(topic !== undefined && isSubcommand(topic) ? usageOf(topic) : CAMPAIGNS_USAGE);
      return 0;
    }
    if (sub === undefined) throw new UsageError(`name a subcommand: ${SUBCOMMANDS}`);
    if (!isSubcommand(sub))
      throw new UsageError(sub.startsWith('-') ? `unknown option ${sub}` : `unknown command "${sub}" (${SUBCOMMANDS})`);
    usage = usageOf(sub);
    if (wantsHelp(rest)) {
      io.out(usage);
      return 0;
    }
    const viaApi = CAMPAIGN_API_COMMANDS[sub];
    if (viaApi) return await viaApi([...rest], io);
    if (sub === 'schema') {
      parseOptions({ args: [...rest], options: OPTIONS.schema });
      io.out(`${JSON.stringify(campaignSchema(), null, 2)}\n`);
      return 0;
    }
    const { values, positionals } = parseOptions({
      args: [...rest],
      options: OPTIONS.validate,
      allowPositionals: true,
    });
    if (positionals.length === 0) throw new UsageError('name at least one campaign file');
    const audience = number(
      values.audience,
      '--audience',
      (n) => Number.isInteger(n) && n > 0,
      'a whole number above 0',
    );
    const baseRate = number(values['base-rate'], '--base-rate', (n) => n > 0 && n < 1, 'a rate between 0 and 1');
    if ((audience === undefined) !== (baseRate === undefined))
      throw new UsageError('--audience and --base-rate go together');
    const channels = channelList(values.channels);
    const campaigns = new Map<string, Campaign>();
    const reports: (FileReport & { power?: Power })[] = validateFiles(positionals, (input, file) => {
      const { campaign, problems } = validateCampaign(input, channels ? { channels } : {});
      if (campaign) campaigns.set(file, campaign);
      return problems;
    }).map((r) => {
      const campaign = campaigns.get(r.file);
      return campaign && audience !== undefined && baseRate !== undefined
        ? { ...r, power: powerOf(campaign, audience, baseRate) }
        : r;
    });
    io.out(
      values.json
        ? `${JSON.stringify(reports)}\n`
        : formatReports(reports) + reports.map((r) => formatPower(r.file, r.power)).join(''),
    );
    return reports.every((r) => r.valid) ? 0 : 1;
  } catch (e) {
    return reportFailure(io, 'growthloop campaigns', e, usage);
  }
}

/** Entry point for bin/growthloop.ts. */
export function runCampaigns(args: readonly string[]): Promise<number> {
  return runCampaignsCli(args, processIo);
}
