/**
 * Split a command line into words the way a POSIX shell would for simple commands: whitespace separates words,
 * single quotes keep everything literally, double quotes keep whitespace (backslash escapes `"`, `\`, `$`, `` ` ``),
 * a backslash outside quotes escapes the next character. Shell operators (`|`, `&&`, `;`, redirections) are not
 * interpreted: wrap such a command in `sh -c '...'`.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote in command: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) i++;
        word += line[i];
        i++;
      }
      if (i >= line.length) throw new Error(`unterminated double quote in command: ${line}`);
      i++;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error("empty command");
  return words;
}

/** Quote a word so that splitCommandLine gives it back unchanged. */
export function quoteWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
