/**
 * `growthloop report --from DATE --to DATE`: the tenant's KPIs over a range of days, from the admin
 * API of a running growthloop (GET /v1/metrics/kpis), as a table, CSV (one row a day) or JSON.
 */
import type { KpiReport } from '../contracts/http-api';
import { API_OPTIONS, callAdmin, jsonLine } from './admin-api';
import { parseOptions, reportFailure, UsageError, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { REPORT_USAGE } from './usage';

const OPTIONS = {
  ...API_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  csv: { type: 'boolean', default: false },
  live: { type: 'boolean', default: false },
} as const;

type Ratio = { value: number | null; numerator: number; denominator: number };
const percent = (r: Ratio) =>
  r.value === null ? 'n/a' : `${(r.value * 100).toFixed(1)} % (${r.numerator}/${r.denominator})`;
const money = (minor: number | null, currency: string | null) =>
  minor === null ? 'n/a' : `${(minor / 100).toFixed(2)}${currency ? ` ${currency}` : ''}`;

function table(r: KpiReport): string {
  const { total, currency } = r.revenue;
  const sum = (pick: (d: KpiReport['days'][number]) => number) => r.days.reduce((s, d) => s + pick(d), 0);
  const last = r.days.at(-1);
  return [
    `KPIs ${r.from} → ${r.to} (as of ${r.asOf}${r.snapshotAt ? ", the daily run's snapshot" : ''}), ${r.customers} buyers`,
    `  new customers            ${sum((d) => d.newCustomers)}`,
    `  active customers (MAU)   ${last?.monthlyActiveCustomers ?? 0} on ${last?.day ?? r.to}`,
    `  revenue                  ${money(total.revenue, currency)} in ${total.orders} orders, AOV ${money(total.aov.value, currency)}`,
    `  retention D1/D7/D30/D60  ${[r.retention.d1, r.retention.d7, r.retention.d30, r.retention.d60].map(percent).join(', ')}`,
    `  repurchase 30/60/90 d    ${[r.repurchase.within30, r.repurchase.within60, r.repurchase.within90].map(percent).join(', ')}`,
    ...r.churn.map((c) => `  churn ${c.month}         ${percent(c.rate)}${c.complete ? '' : ' (so far)'}`),
    '',
  ].join('\n');
}

function csv(r: KpiReport): string {
  const revenue = new Map(r.revenue.days.map((d) => [d.day, d]));
  const rows = r.days.map((d) => {
    const money = revenue.get(d.day);
    return [
      d.day,
      d.newCustomers,
      d.activeCustomers,
      d.monthlyActiveCustomers,
      money?.revenue ?? 0,
      money?.orders ?? 0,
    ].join(',');
  });
  return `day,new_customers,active_customers,monthly_active_customers,revenue_minor_units,orders\n${rows.join('\n')}\n`;
}

/** Runs `report ARGS`; returns the exit code (0; 2 when the command cannot run). */
export async function runReportCli(args: readonly string[], io: Io = processIo): Promise<number> {
  try {
    if (wantsHelp(args)) {
      io.out(REPORT_USAGE);
      return 0;
    }
    const { values } = parseOptions({ args: [...args], options: OPTIONS });
    if (!values.from || !values.to) throw new UsageError('--from DATE and --to DATE are required (YYYY-MM-DD)');
    if (values.csv && values.json) throw new UsageError('--csv and --json: choose one');
    const query = new URLSearchParams({ from: values.from, to: values.to, ...(values.live ? { live: 'true' } : {}) });
    const report = (await callAdmin(values, 'GET', `/v1/metrics/kpis?${query}`)) as KpiReport;
    io.out(values.json ? jsonLine(report) : values.csv ? csv(report) : table(report));
    return 0;
  } catch (e) {
    return reportFailure(io, 'growthloop report', e, REPORT_USAGE);
  }
}
