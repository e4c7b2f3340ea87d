/** Reading a container's log (stdout and stderr, every start of the container, in order). */
import type Docker from "dockerode";

/**
 * Docker multiplexes stdout and stderr of a non-TTY container into frames: 1 byte stream, 3 zero bytes, 4 bytes
 * big-endian length, payload. Returns the payloads in order (both streams, interleaved as written).
 */
export function demultiplexLog(raw: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const stream = raw[offset];
    const size = raw.readUInt32BE(offset + 4);
    if (stream === undefined || stream > 2 || raw[offset + 1] !== 0 || raw[offset + 2] !== 0 || raw[offset + 3] !== 0) {
      // Not a multiplexed stream (a TTY container): the bytes are the log itself.
      return raw.toString("utf8");
    }
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

export async function readContainerLog(container: Docker.Container): Promise<string> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown;
  return demultiplexLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
}
