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
  // Look only at the last part: a flooded log can be hundreds of megabytes.
  const window = log.length > maxLines * lineChars * 2 ? log.slice(-maxLines * lineChars * 2) : log;
  const lines = window.replace(/\r\n?/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const kept = lines.slice(-maxLines).map((line) => {
    // eslint-disable-next-line no-control-regex
    const printable = line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "?");
    return printable.length > lineChars ? `${printable.slice(0, lineChars)}... (${printable.length} chars)` : printable;
  });
  const dropped = log.length > window.length || lines.length > maxLines;
  return (dropped ? "...\n" : "") + kept.join("\n");
}
