import type { Settings } from '../config/load';
import { relayQuota } from '../config/relay-settings';
import type { SendRecord } from '../record/sqlite';

export interface RelayStatus {
  readonly name: string;
  readonly sent: number;
  readonly deferred: number;
  readonly failed: number;
  readonly inDoubt: number;
  /** What its daily quota still allows over the last 24 hours; null when it has none. */
  readonly quotaLeft: number | null;
}

/** Per relay of the `relays` setting: what the record says it sent, deferred and failed, and its quota left now. */
export function relayStatus(settings: Pick<Settings, 'relays'>, record: SendRecord | undefined, now: Date): RelayStatus[] {
  const counts = record?.relayCounts() ?? new Map();
  const today = record?.sentSinceByRelay(new Date(now.getTime() - 24 * 3_600_000)) ?? new Map<string, number>();
  return (settings.relays ?? []).map((relay) => {
    const c = counts.get(relay.name);
    const quota = relayQuota(relay, now);
    return {
      name: relay.name,
      sent: c?.sent ?? 0,
      deferred: c?.deferred ?? 0,
      failed: c?.failed ?? 0,
      inDoubt: c?.in_doubt ?? 0,
      quotaLeft: Number.isFinite(quota) ? Math.max(0, quota - (today.get(relay.name) ?? 0)) : null,
    };
  });
}

export function describeRelay(r: RelayStatus): string {
  const quota = r.quotaLeft === null ? 'no quota' : `quota left ${r.quotaLeft}`;
  return `relay ${r.name}: sent ${r.sent}, deferred ${r.deferred}, failed ${r.failed}${r.inDoubt ? `, in doubt ${r.inDoubt}` : ''}, ${quota}`;
}
