/**
 * Batch grading input: a folder of submissions.
 *
 *   submissions/
 *     images.txt          one image per line: `<name> <image>` or just `<image>`; `#` starts a comment
 *     alice/command       a folder with a `command` file: its first non-empty line is run inside that folder
 *     alice/peer.py
 *     bob/command
 *
 * Names (folder names and names in images.txt) become report folder names, so they are restricted to letters,
 * digits, `.`, `_`, `-`.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";

export const SUBMISSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const submissionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("image"), name: z.string().regex(SUBMISSION_NAME), image: z.string().min(1) }),
  z.object({
    kind: z.literal("command"),
    name: z.string().regex(SUBMISSION_NAME),
    /** The command as written in the `command` file. */
    command: z.string().min(1),
    /** The submission's folder (absolute); the command runs there. */
    dir: z.string().min(1),
  }),
]);
export type Submission = z.infer<typeof submissionSchema>;

export class SubmissionsError extends Error {}

const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:@]*$/i;

/** Reads a submissions folder; throws SubmissionsError naming the file and line of anything wrong. */
export async function readSubmissions(dir: string): Promise<Submission[]> {
  const root = resolve(dir);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    throw new SubmissionsError(`cannot read submissions folder ${dir}: ${(error as Error).message}`);
  }
  const submissions: Submission[] = [];
  const problems: string[] = [];

  if (entries.some((e) => e.isFile() && e.name === "images.txt")) {
    const file = join(root, "images.txt");
    const lines = (await readFile(file, "utf8")).split(/\r?\n/);
    lines.forEach((raw, i) => {
      const line = raw.replace(/#.*/, "").trim();
      if (line === "") return;
      const words = line.split(/\s+/);
      const where = `${file}:${i + 1}`;
      if (words.length > 2) {
        problems.push(`${where}: expected "<name> <image>" or "<image>", got ${JSON.stringify(line)}`);
        return;
      }
      const image = words.at(-1) ?? "";
      const name = words.length === 2 ? (words[0] ?? "") : image.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+/, "");
      if (!IMAGE_REF.test(image)) problems.push(`${where}: ${JSON.stringify(image)} is not an image reference`);
      else if (!SUBMISSION_NAME.test(name))
        problems.push(`${where}: name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
      else submissions.push({ kind: "image", name, image });
    });
  }

  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = join(root, entry.name);
    const commandFile = join(folder, "command");
    const isFile = await stat(commandFile).then((s) => s.isFile(), () => false);
    if (!isFile) continue;
    const command = (await readFile(commandFile, "utf8")).split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "");
    if (!SUBMISSION_NAME.test(entry.name)) {
      problems.push(`${folder}: folder name must be letters, digits, '.', '_' or '-' (it names the report)`);
    } else if (!command) {
      problems.push(`${commandFile}: empty; expected the command that starts the peer, e.g. "python3 peer.py"`);
    } else if (/['"\\]/.test(folder)) {
      problems.push(`${folder}: the path must not contain quotes or backslashes`);
    } else {
      submissions.push({ kind: "command", name: entry.name, command, dir: folder });
    }
  }

  const seen = new Set<string>();
  for (const s of submissions) {
    if (seen.has(s.name)) problems.push(`submission name "${s.name}" is used twice`);
    seen.add(s.name);
  }
  if (problems.length > 0) throw new SubmissionsError(problems.join("\n"));
  if (submissions.length === 0) {
    throw new SubmissionsError(
      `no submissions in ${dir}: expected images.txt and/or folders with a "command" file`,
    );
  }
  return submissions;
}

/**
 * The command line that runs a folder submission inside its folder. The runtime splits it into words (quotes
 * honoured, no shell operators), so the `cd` goes through `sh -c`.
 */
export function commandInFolder(submission: Extract<Submission, { kind: "command" }>): string {
  const script = `cd '${submission.dir}' && exec ${submission.command}`;
  return `sh -c "${script.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
}
