/**
 * The statements that write many rows at once. The send loop's settles for one commit are one
 * UPDATE, and so are its claims: SQLite then looks each row up through the key index just as a
 * statement per row would, without the cost of running a statement per row.
 */

/** Most rows one batched statement of the send loop carries; a larger batch takes several. */
export const BATCH_ROWS = 64;

/**
 * Records outcomes: binds the stamp twice, then post id, key, state, reply, next attempt and relay
 * for each row, then the run id (only the run that claimed a row settles it).
 */
export function settleSql(rows: number): string {
  return `UPDATE deliveries SET state = v.column3, smtp_reply = v.column4, updated_at = ?, next_attempt_at = v.column5,
      relay = coalesce(v.column6, relay), sent_at = CASE WHEN v.column3 = 'sent' THEN ? ELSE sent_at END
    FROM (VALUES ${valueRows(rows, '(?, ?, ?, ?, ?, ?)')}) AS v
    WHERE deliveries.post_id = v.column1 AND deliveries.email_key = v.column2 AND deliveries.state = 'sending' AND deliveries.run_id = ?`;
}

/** Claims recipients: binds the run id and the stamp twice, then post id, key and Message-ID for each row; returns the rows claimed. */
export function claimSql(rows: number, includeInDoubt: boolean): string {
  const claimable = includeInDoubt ? `('pending', 'deferred', 'in_doubt')` : `('pending', 'deferred')`;
  // the relay of an earlier attempt is forgotten: the one that answers this attempt is noted when it does
  return `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, message_id = v.column3, run_id = ?, relay = NULL,
      first_attempt_at = coalesce(first_attempt_at, ?), updated_at = ?
    FROM (VALUES ${valueRows(rows, '(?, ?, ?)')}) AS v
    WHERE deliveries.post_id = v.column1 AND deliveries.email_key = v.column2 AND deliveries.state IN ${claimable}
    RETURNING deliveries.post_id AS postId, deliveries.email_key AS key`;
}

/** A VALUES list of `rows` copies of `row`, for the statements that write many rows at once. */
export function valueRows(rows: number, row: string): string {
  return Array.from({ length: rows }, () => row).join(', ');
}

/** `items` in slices of at most BATCH_ROWS, in order. */
export function* chunks<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += BATCH_ROWS) yield items.slice(i, i + BATCH_ROWS);
}
