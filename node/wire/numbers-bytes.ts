/**
 * The size a list of numbers takes in a frame (`JSON.stringify(numbers).length` less the brackets), counted once per
 * array and kept on it in a hidden field (hidden-field.ts). A numbers list is never mutated once sent, and in one
 * process (the simulator) the same list crosses many links, so its size is worked out once; a list joined from lists
 * whose sizes are known costs nothing to size.
 */
import type { WireNumber } from "./messages.js";
import { hiddenField } from "./hidden-field.js";

/** `{"origin":"","seq":,"value":""}`: a number on the wire without its three fields. */
export const WIRE_NUMBER_OVERHEAD = 31;

const BYTES = hiddenField<number>();

/** The bytes of the numbers and the commas between them. */
export function numbersBytes(numbers: readonly WireNumber[]): number {
  const cached = BYTES.get(numbers);
  if (cached !== undefined) return cached;
  let bytes = Math.max(0, numbers.length - 1);
  for (const n of numbers) bytes += WIRE_NUMBER_OVERHEAD + n.origin.length + decimalDigits(n.seq) + n.value.length;
  BYTES.set(numbers, bytes);
  return bytes;
}

/** Lists joined into one, whose size is the sum of theirs and the commas between them. */
export function joinNumbers(parts: readonly (readonly WireNumber[])[]): WireNumber[] {
  let bytes = 0;
  let nonEmpty = 0;
  for (const p of parts) {
    if (!p.length) continue;
    bytes += numbersBytes(p);
    nonEmpty++;
  }
  return BYTES.set(([] as WireNumber[]).concat(...parts), bytes + Math.max(0, nonEmpty - 1));
}

/** Length of a non-negative integer written in decimal. */
export function decimalDigits(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}
