/**
 * The usage of every command, in one light module: bin/growthloop.ts prints the overview and
 * answers --help without loading the commands themselves.
 */
import { type UsageEntry, usageText } from './command';

export const START: UsageEntry = {
  synopsis: 'growthloop start [--config FILE] [--port N] [--data-dir DIR] [--memory] [--demo]',
  details: `      Runs the whole system locally (no AWS account needed) and prints every HTTP route with the
      credential it takes. Ctrl-C (SIGINT) or SIGTERM stops it cleanly. When it writes the demo config,
      it first seeds tenant "demo" with a simulated shop: 1,000 shoppers over the last 120 days played
      through the pipeline on a fast clock, with the bundled templates, coupon pools, recall campaign
      and journeys, so that KPIs, journey lift and campaign reports have data (30 to 40 s); once.
      --config FILE    tenants and keys (default growthloop.config.json; a demo one is written if missing)
      --port N         HTTP port on 127.0.0.1 (default 3000; 0 picks a free one)
      --data-dir DIR   where data lives between runs (default .growthloop); one growthloop at a time per directory
      --memory         keep nothing on disk
      --demo           seed the simulated shop now, into tenant "demo" (else the config's first tenant),
                       unless it has one already; a tenant with templates, pools, journeys or campaigns
                       of its own is left as it is
`,
};

export const BENCH: UsageEntry = {
  synopsis: 'growthloop bench [--only PREFIX] [--json]',
  details: `      Measures speed and cost side by side with anchors, prints a table and writes bench/results.json.
      --only PREFIX    only the measurements whose name starts with PREFIX (e.g. models.)
      --json           print the results as one JSON document on stdout
`,
};

export const MODEL = {
  fit: {
    synopsis: 'growthloop model fit --transactions FILE [--calibration-end YYYY-MM-DD] [--json]',
    details: `      Fits BG/NBD and Gamma-Gamma on the purchases up to the calibration end (default: the day
      of the last purchase in FILE) and prints their parameters and log-likelihoods.
`,
  },
  evaluate: {
    synopsis:
      'growthloop model evaluate --transactions FILE --calibration-end YYYY-MM-DD [--horizons 13w,26w,39w] [--json]',
    details: `      Fits on the calibration period, then rates the churn score, BG/NBD alone and recency on the
      holdout after it: AUC, Brier score and top-decile lift per horizon (weeks, 13w, or days, 91d).
`,
  },
} satisfies Record<string, UsageEntry>;

export const MODEL_NOTES = `FILE (its format told by its first line; dates YYYYMMDD or YYYY-MM-DD, amounts in major units):
  CSV customer_id,date,amount                      header line optional; RFC 4180 quoting ("a,b", "say ""hi""")
  customer_id date number_of_cds dollar_value      the CDNOW master file: whitespace-separated, header line optional
  master_id customer_id date number_of_cds dollar_value   the CDNOW 1/10 sample: whitespace-separated, no header
A fit needs at least 50 customers who bought by the calibration end, 10 of them with repeat purchases.
--json prints one JSON document on stdout; progress goes to stderr.
`;

export const JOURNEYS = {
  schema: {
    synopsis: 'growthloop journeys schema',
    details: `      Prints the journey language as JSON Schema (for editors: "$schema" or json.schemas).
`,
  },
  validate: {
    synopsis: 'growthloop journeys validate FILE... [--channels email,sms,push,webhook] [--json]',
    details: `      Checks each journey: the schema, then unreachable activities, loops without a wait,
      branches without a default, splits that do not add up, unknown event types, and (with
      --channels) actions on channels the tenant has not configured. Exit code 1 if any fails.
`,
  },
  backtest: {
    synopsis: `growthloop journeys backtest FILE... --events HISTORY.jsonl [--from DATE] [--to DATE]
                     [--config FILE --tenant ID] [--coupon-values POOL=AMOUNT,...] [--sends] [--json]`,
    details: `      Replays the history (one canonical event per line) through the journeys on a simulated
      clock, with lifecycle stages rescored as live, and reports entries, actions by type,
      coupons and their cost, and conversions. Sends nothing. The tenant's currency, time zone
      and scoring come from the config (default EUR, UTC); amounts in minor units.
`,
  },
} satisfies Record<string, UsageEntry>;

export const CAMPAIGNS = {
  schema: {
    synopsis: 'growthloop campaigns schema',
    details: `      Prints the campaign language as JSON Schema (for editors: "$schema" or json.schemas).
`,
  },
  validate: {
    synopsis: `growthloop campaigns validate FILE... [--channels email,sms,push,webhook]
                     [--audience N --base-rate RATE] [--json]`,
    details: `      Checks each campaign: the schema, then audiences no customer can match, offer rungs
      never reached (a rung without "when" before the last), rung names used twice, money
      budgets in two currencies, and (with --channels) offers on channels the tenant has not
      configured. With --audience (members expected) and --base-rate (their conversion rate
      without an offer, e.g. 0.04) it tells how many are held out and the smallest lift the
      holdout detects at 80 % power. Exit code 1 if any fails.
`,
  },
  save: {
    synopsis: 'growthloop campaigns save FILE... [API] [--json]',
    details: `      Saves each campaign (its "id" names it) to the running growthloop, replacing one of that id.
      The API refuses a campaign with problems; each is printed at its path.
`,
  },
  list: {
    synopsis: 'growthloop campaigns list [API] [--json]',
    details: `      The saved campaigns: id, schedule, when saved, name.
`,
  },
  run: {
    synopsis: 'growthloop campaigns run ID [--run RUN] [--now] [--no-wait] [--timeout SECONDS] [API] [--json]',
    details: `      Starts a run of the campaign (RUN names it, default manual-<UTC time>; a run id already carried
      out sends nothing again) and follows it, a line on stderr per step, until its offers are made,
      then prints the run. --now (local runtime only) measures at once instead of after the attribution
      window, and waits for the report: the lift with its 95 % interval, recall rate, cost and ROI.
      --no-wait prints the run id and leaves. Exit code 1 if the run failed.
`,
  },
  report: {
    synopsis: 'growthloop campaigns report ID RUN [API] [--json]',
    details: `      A run as it stands: its audience, offers, and once measured its report.
`,
  },
} satisfies Record<string, UsageEntry>;

export const SIMULATE: UsageEntry = {
  synopsis: `growthloop simulate --customers N --days D --seed S [--effect PP] [--out history.jsonl] [--json]
                     [--opt-in SHARE] [--campaign FILE]... [--journey FILE]... [--template FILE]...
                     [--pool FILE]... [--start DATE] [--currency EUR] [--history-only]`,
  details: `      Simulates N shoppers over D days (BG/NBD with the CDNOW parameters: joins over the first third,
      a first order at joining, repeat orders at rate λ, dropout after repeats; Gamma-Gamma order
      values; sessions, logins, identify and email/push consent) and plays them through the whole
      pipeline on a fast clock, hour by hour: ingest, profiles, journeys, the daily run, the
      campaigns on their schedules (the bundled weekly recall campaign unless --campaign is given)
      and the dispatcher with its guardrails. An offer that reaches a member adds PP percentage
      points to the chance they order within the attribution window (--effect, default 0). Prints
      each campaign's runs pooled: treated and held-out members, recall rate, lift with its 95 %
      interval, the true effect (PP over the members reached, averaged over the treated arm) and
      ROI; --json as one JSON document. Progress goes to stderr. The same seed gives the same report.
      --out FILE       every event posted, one a line (the orders offers caused among them)
      --opt-in SHARE   share of shoppers who opt into e-mail and push (default 0.6 and 0.4)
      --campaign FILE  a campaign to run instead of examples/campaigns/ (repeatable)
      --journey FILE   a journey to publish (repeatable); --template, --pool: saved beside the
                       bundled examples/templates/ and examples/coupon-pools/
      --history-only   just write the history (to --out or stdout), without the pipeline: the
                       input journeys backtest --events reads; --json then prints its summary
      --start DATE     the first day (YYYY-MM-DD or ISO-8601; default 2025-01-01)
      --currency CODE  the order totals' ISO 4217 currency (default EUR), in minor units
`,
};

export const TENANTS = {
  add: {
    synopsis: 'growthloop tenants add ID --timezone TZ --currency CODE [--name NAME] [WHERE] [--json]',
    details: `      Registers a tenant with new keys (API, admin, Segment write key) and prints them, only this once.
`,
  },
  list: {
    synopsis: 'growthloop tenants list [WHERE] [--json]',
    details: `      Lists the registered tenants, where each came from and its key rotations; never a key.
`,
  },
  'rotate-key': {
    synopsis: 'growthloop tenants rotate-key ID --key api|admin|segment --previous-valid-until DATE [WHERE] [--json]',
    details: `      Replaces one of the tenant's keys and prints the new one; the replaced key works until DATE
      (ISO-8601, e.g. 2026-03-01T12:00:00Z; YYYY-MM-DD is that day's 00:00 UTC; now ends it at once).
`,
  },
} satisfies Record<string, UsageEntry>;

export const TENANTS_NOTES = `WHERE (default: this machine's data dir):
  --data-dir DIR    the local data (default .growthloop): through a running growthloop start, or directly
  --config FILE     when no growthloop runs there, its tenants are registered first (default growthloop.config.json)
  --aws             the deployed table (AWS credentials and region from the environment)
  --table NAME      with --aws: the table (default: GROWTHLOOP_TABLE, or TableName in --outputs)
  --outputs FILE    with --aws: the file "cdk deploy --outputs-file FILE" wrote
Running functions honour a change within seconds, with no restart or deploy.
`;

export const START_USAGE = usageText([START]);
export const QUARANTINE = {
  list: {
    synopsis: 'growthloop quarantine list [API] [--json]',
    details: `      Lists the events parked because they could not be processed (the oldest 100), with why.
`,
  },
  replay: {
    synopsis: 'growthloop quarantine replay (ID... | --all) [API] [--json]',
    details: `      Sends the parked events named (or all of them) back to their queues, once their cause is fixed.
`,
  },
} satisfies Record<string, UsageEntry>;

export const QUARANTINE_NOTES = `API (the admin API of a running growthloop, local or deployed):
  --url URL         its base URL (default http://127.0.0.1:3000; in AWS the stack's ApiUrl output)
  --admin-key KEY   the tenant's admin key (default: the GROWTHLOOP_ADMIN_KEY environment variable)
`;

export const TEMPLATES = {
  list: {
    synopsis: 'growthloop templates list [API] [--json]',
    details: `      Lists the tenant's templates: id, latest version, channels, translations, last change.
`,
  },
  get: {
    synopsis: 'growthloop templates get ID [--version N] [API] [--json]',
    details: `      Prints a version of a template (the latest by default), part by part.
`,
  },
  create: {
    synopsis: 'growthloop templates create FILE [--sample FILE] [API] [--json]',
    details: `      Stores the template in FILE (JSON) as version 1, or as the next version of its id, once every part
      parses and renders against sample variables; else prints every problem by JSON path (exit code 2).
      --sample FILE    variables to check it against instead of the sample ones (JSON: {profile, coupon, ...})
`,
  },
  preview: {
    synopsis:
      'growthloop templates preview ID [--customer C | --profile FILE] [--version N] [--channel CH]... [API] [--json]',
    details: `      Renders every channel of the template (or those named) for a customer's stored profile, a profile
      in FILE, or the sample profile, and prints what they would get, or the error that would skip the
      send. Sends nothing. Exit code 1 when a channel would be skipped.
      --variables FILE  event, offer, coupon, unsubscribe_url as a send would give them (JSON)
`,
  },
  test: {
    synopsis: 'growthloop templates test ID --customer C --channel email|sms|push --to ADDRESS [API] [--json]',
    details: `      Sends the template, rendered for the customer's stored profile, to ADDRESS through the dispatcher:
      ADDRESS must be one of the tenant's dispatch.testRecipients. Prints the send's key; its outcome
      shows in the customer's timeline (GET /v1/customers/C/timeline) and, locally, in the outbox.
`,
  },
} satisfies Record<string, UsageEntry>;

export const COUPONS = {
  create: {
    synopsis: 'growthloop coupons create FILE [API] [--json]',
    details: `      Creates the coupon pool whose settings FILE holds (JSON: id, kind uploaded or generated, value...).
`,
  },
  list: {
    synopsis: 'growthloop coupons list [API] [--json]',
    details: `      Lists the tenant's coupon pools with their stats.
`,
  },
  stats: {
    synopsis: 'growthloop coupons stats POOL [API] [--json]',
    details: `      Prints a pool's settings and stats: codes ready, issued, available, redeemed, voided, refusals, spent.
`,
  },
  upload: {
    synopsis: 'growthloop coupons upload POOL FILE [API] [--json]',
    details: `      Adds the codes in FILE to a pool of uploaded codes: a CSV file (one code a row, in the column headed
      code, or the first) or JSON (["CODE", ...] or {"codes": [...]}). All or nothing: every refused line
      is printed with its number, and nothing is added.
`,
  },
  generate: {
    synopsis: 'growthloop coupons generate POOL [--count N] [API] [--json]',
    details: `      Draws N more codes for a generated pool (default: the pool's count, when it has no codes yet).
`,
  },
} satisfies Record<string, UsageEntry>;

export const DLQ = {
  list: {
    synopsis: 'growthloop dlq list [API] [--json]',
    details: `      Lists the dead-lettered actions (the oldest 100): actions a provider refused, or that kept failing
      until their retries ran out, parked in the quarantine with why.
`,
  },
  redrive: {
    synopsis: 'growthloop dlq redrive (ID... | --all) [API] [--json]',
    details: `      Sends the dead-lettered actions named (or all of them) back to the actions queue, once their cause is
      fixed: each is sent once more, once. Exit code 1 when an id is not a dead-lettered action.
`,
  },
} satisfies Record<string, UsageEntry>;

/** The options of every command that works through the admin API. */
export const API_NOTES = QUARANTINE_NOTES;

export const TEMPLATES_USAGE = usageText(Object.values(TEMPLATES), API_NOTES);
export const COUPONS_USAGE = usageText(Object.values(COUPONS), API_NOTES);
export const DLQ_USAGE = usageText(Object.values(DLQ), API_NOTES);
export const TENANTS_USAGE = usageText(Object.values(TENANTS), TENANTS_NOTES);
export const QUARANTINE_USAGE = usageText(Object.values(QUARANTINE), QUARANTINE_NOTES);
export const BENCH_USAGE = usageText([BENCH]);
export const REPORT: UsageEntry = {
  synopsis: 'growthloop report --from DATE --to DATE [--live] [API] [--csv | --json]',
  details: `      The tenant's KPIs over the days DATE to DATE (UTC, YYYY-MM-DD): new and active customers,
      revenue, orders and AOV, D1/D7/D30/D60 retention of first-order cohorts, 30/60/90-day
      repurchase and churn per month. --csv prints one row a day; --json the whole report. They
      come from the daily run's snapshot of the buyers' orders (as of when it was taken); --live
      reads every buyer's profile now instead.
`,
};
export const REPORT_USAGE = usageText([REPORT], API_NOTES);
export const IMPORT: UsageEntry = {
  synopsis: `growthloop import FILE [--customers CUSTOMERS.csv] [--time-zone ZONE] [--url URL] [--api-key KEY]
                   [--json]`,
  details: `      Sends a history of canonical events (one JSON object a line, as growthloop simulate writes
      them), Shopify's orders export (orders_export.csv) or WooCommerce's order export (Customer /
      Order / Coupon Export, CSV) to a running growthloop's ingest API in batches: every event is
      folded as a live one, once by its id, so importing a file twice gives the same profiles as
      once. Exported orders get the ids their webhooks give them. Shopify's belong to
      email:<e-mail> unless --customers names Shopify's customers export, whose Customer ID column
      then attributes them as the webhooks do; WooCommerce's to their customer_id, or
      email:<billing e-mail> for a guest, their order_date read in --time-zone (the store's
      WordPress time zone, such as Europe/Berlin; required for that export). --api-key or
      GROWTHLOOP_API_KEY is the tenant's API key (default URL http://127.0.0.1:3000). Lines that
      are not JSON, not valid events or unreadable orders are reported with their numbers; exit
      code 1 if any.
`,
};
export const IMPORT_USAGE = usageText([IMPORT]);
export const EXPORT: UsageEntry = {
  synopsis: `growthloop export --events --tenant ID [--from DATE] [--to DATE] [--out FILE] [WHERE]`,
  details: `      Writes the tenant's ingested events as canonical JSON lines (what growthloop import reads),
      each once, with their personal fields opened; the events of erased customers are left out, as
      are personal fields whose key is gone. --from and --to (YYYY-MM-DD, a UTC day, both included;
      or an ISO-8601 time) bound when the events occurred. To --out FILE (written whole or not at
      all) or stdout; progress and a summary on stderr. Locally it reads the data dir's archive of
      ingested events (kept a year), while growthloop start runs or not. With --aws --outputs FILE
      it replays the stack's EventBridge archive (a year) to its export queue and drains it: AWS
      credentials and region from the environment, permission to start a replay, receive from the
      queue, read the table and decrypt with the data key.
`,
};
export const EXPORT_NOTES = `WHERE (default: this machine's data dir):
  --data-dir DIR    the local data (default .growthloop)
  --config FILE     when no growthloop runs there, its tenants are registered first (default growthloop.config.json)
  --aws             the deployed stack (AWS credentials and region from the environment)
  --outputs FILE    with --aws: the file "cdk deploy --outputs-file FILE" wrote
`;
export const EXPORT_USAGE = usageText([EXPORT], EXPORT_NOTES);
export const MODEL_USAGE = usageText(Object.values(MODEL), MODEL_NOTES);
export const JOURNEYS_USAGE = usageText(Object.values(JOURNEYS));
export const CAMPAIGNS_USAGE = usageText(Object.values(CAMPAIGNS), API_NOTES);
export const SIMULATE_USAGE = usageText([SIMULATE]);

/** The overview: every command's synopsis (under a title line naming the version, if given). */
export function mainUsage(version?: string): string {
  const synopses = [
    START,
    BENCH,
    ...Object.values(MODEL),
    ...Object.values(JOURNEYS),
    ...Object.values(CAMPAIGNS),
    REPORT,
    IMPORT,
    EXPORT,
    SIMULATE,
    ...Object.values(TENANTS),
    ...Object.values(QUARANTINE),
    ...Object.values(DLQ),
    ...Object.values(TEMPLATES),
    ...Object.values(COUPONS),
  ].map((e) => `  ${e.synopsis.split('\n')[0]}${e.synopsis.includes('\n') ? ' ...' : ''}\n`);
  const title = version === undefined ? '' : `growthloop ${version}: marketing automation for e-commerce\n\n`;
  return `${title}Usage:
${synopses.join('')}  growthloop --version
  growthloop help [COMMAND [SUBCOMMAND]]

Run "growthloop COMMAND --help" (or "growthloop COMMAND SUBCOMMAND --help") for what a command
does and its options.
`;
}
