import type Database from 'better-sqlite3';

export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * How each known post's file looked when the record last read it: a run whose post files are
 * unchanged since need not read them again.
 */
export class FileStamps {
  constructor(private readonly db: Database.Database) {}

  /** Size and modification time of each known post's file when the record last read it, by file. */
  fileStamps(): Map<string, FileStamp & { readonly id: string }> {
    const rows = this.db
      .prepare('SELECT id, file, file_size AS size, file_mtime_ms AS mtimeMs FROM posts WHERE file_size IS NOT NULL AND file_mtime_ms IS NOT NULL')
      .all() as { id: string; file: string; size: number; mtimeMs: number }[];
    return new Map(rows.map((r) => [r.file, { id: r.id, size: r.size, mtimeMs: r.mtimeMs }]));
  }

  /**
   * Remembers how a known post's file looked, so the next run can skip reading it, and what it
   * says now (the hash of its text, its URL), so a later rename of the file is recognised.
   */
  stampFiles(stamps: readonly { id: string; file: string; stamp: FileStamp; contentHash?: string | null; url?: string | null }[]): void {
    const update = this.db.prepare(
      'UPDATE posts SET file = ?, file_size = ?, file_mtime_ms = ?, content_hash = coalesce(?, content_hash), url = coalesce(?, url) WHERE id = ?',
    );
    this.db.transaction(() => {
      for (const s of stamps) update.run(s.file, s.stamp.size, s.stamp.mtimeMs, s.contentHash ?? null, s.url ?? null, s.id);
    })();
  }
}
