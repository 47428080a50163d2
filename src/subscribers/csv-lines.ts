/**
 * Physical line numbers for CSV records. csv-parse's own `lines` count is the line a record ends
 * on, and it counts a CRLF inside a quoted field as two lines, so in a Windows file every quoted
 * line break pushes the numbers of all later rows one further off. What people look for is the
 * line where the row starts, as their editor numbers it: this counts that from the byte offsets
 * csv-parse reports (`info.bytes`, the end of each record), with CRLF, LF and a lone CR each one
 * line break.
 */
export class CsvLines {
  /** Index into the text and the UTF-8 byte offset it corresponds to. */
  private index = 0;
  private bytes = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  /**
   * The line of the first character of the record that begins at byte `offset` (the previous
   * record's info.bytes, or 0): blank lines skipped as the parser skips them. Offsets must not
   * decrease between calls, so reading a whole file costs one pass over it.
   */
  startOf(offset: number): number {
    const { text } = this;
    while (this.bytes < offset && this.index < text.length) {
      const c = text.charCodeAt(this.index);
      if (c === 10 || (c === 13 && text.charCodeAt(this.index + 1) !== 10)) this.line++;
      if (c >= 0xd800 && c <= 0xdbff) {
        this.bytes += 4; // a surrogate pair: one four-byte character
        this.index += 2;
        continue;
      }
      this.bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      this.index++;
    }
    let line = this.line;
    for (let i = this.index; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) line++;
      else if (c !== 13 && c !== 32 && c !== 9 && c !== 0xfeff) break;
    }
    return line;
  }
}
