/**
 * The end of a node's log, for reports. A peer under grading is untrusted: its log may be huge, have endless lines
 * or control characters, so the tail is bounded in lines and characters and made printable.
 */

export interface LogTailOptions {
  /** Lines kept from the end (default 30). */
  readonly lines?: number;
  /** Characters kept per line (default 300). */
  readonly lineChars?: number;
}

export function logTail(log: string, options: LogTailOptions = {}): string {
  const maxLines = options.lines ?? 30;
  const lineChars = options.lineChars ?? 300;
  // Find the start of the last lines from the end: a flooded log can be hundreds of megabytes.
  const text = log.endsWith("\n") ? log.slice(0, -1) : log;
  let from = text.length;
  let found = 0;
  while (found < maxLines && from > 0) {
    from = text.lastIndexOf("\n", from - 1);
    found++;
    if (from < 0) break;
  }
  const dropped = from > 0;
  const lines = text.slice(from < 0 ? 0 : from + (dropped ? 1 : 0)).replace(/\r\n?/g, "\n").split("\n");
  if (text === "") lines.length = 0;
  const kept = lines.map((line) => {
    // eslint-disable-next-line no-control-regex
    const head = line.length > lineChars * 2 ? line.slice(0, lineChars * 2) : line;
    const printable = head.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "?");
    return line.length > lineChars ? `${printable.slice(0, lineChars)}... (${line.length} chars)` : printable;
  });
  return (dropped ? "...\n" : "") + kept.join("\n");
}
