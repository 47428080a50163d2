import type { Settings } from '../config/load';
import type { SendRecord } from '../record/sqlite';
import { subscriberFolder } from '../subscribers/files';
import { addSuppressions, stamp } from '../subscribers/suppression';
import type { BounceContext } from './apply';
import { keepReport } from './kept-reports';

/** The context reports are acted on in, from the settings and a record open for writing. */
export function bounceContext(settings: Settings, record: SendRecord, now: Date): BounceContext {
  const b = settings.bounces;
  const folder = subscriberFolder(settings.root, settings.subscribersDir);
  return {
    store: record.feedback,
    suppress: ({ email, reason, at, note }) => addSuppressions(settings.subscribersDir, [{ email, reason, at: stamp(at), note }], folder) > 0,
    secrets: [settings.env.secret, ...settings.env.previousSecrets].filter((s): s is string => Boolean(s)),
    returnPath: b.returnPath,
    softBounces: b.softBounces,
    maxReportBytes: b.maxReportBytes,
    now,
    keepReport: b.keepReports > 0 ? (raw, hash) => keepReport(settings.stateDir, raw, hash) : undefined,
  };
}
