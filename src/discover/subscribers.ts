/**
 * The subscriber list lives in src/subscribers/ (read.ts reads it). These names stay here for
 * callers outside that folder until they import from there.
 */
export { type DiscoveredSubscribers, type ParsedCsv, type Subscriber, type SubscriberRow, discoverSubscribers, parseSubscriberCsv } from '../subscribers/read';
export { discoverSubscribersApart } from '../subscribers/read-apart';
export { cleanName } from '../subscribers/columns';
export { csvErrorMessage } from '../subscribers/csv';
export { SUPPRESSION_FILE, listCsvFiles } from '../subscribers/files';
export { EXCLUDED_STATUSES } from '../subscribers/status';
