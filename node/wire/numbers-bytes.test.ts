import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WireNumber } from "./messages.js";
import { joinNumbers, numbersBytes } from "./numbers-bytes.js";

const number = fc.record({
  origin: fc.stringMatching(/^[A-Za-z0-9._-]{1,20}@[0-9a-z]{1,12}$/),
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  value: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
});
/** What a list adds to a frame: its JSON less the brackets. */
const json = (numbers: readonly WireNumber[]): number => JSON.stringify(numbers).length - 2;

describe("numbersBytes", () => {
  it("is the JSON size of any list, and of any lists joined, counted again or from the parts", () => {
    fc.assert(
      fc.property(fc.array(fc.array(number, { maxLength: 6 }), { maxLength: 5 }), (parts) => {
        for (const p of parts) expect(numbersBytes(p)).toBe(json(p));
        const joined = joinNumbers(parts);
        expect(joined).toEqual(parts.flat());
        expect(numbersBytes(joined)).toBe(json(joined));
        // The size kept on the list is out of sight: JSON and equality see only the numbers.
        expect(JSON.parse(JSON.stringify(joined))).toEqual(joined);
      }),
      { numRuns: 300 },
    );
  });
});
