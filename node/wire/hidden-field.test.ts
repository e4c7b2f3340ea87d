import { describe, expect, it } from "vitest";
import { hiddenField } from "./hidden-field.js";

describe("hiddenField", () => {
  it("keeps a value on an object that JSON, reflection and equality do not see, one field per call", () => {
    const size = hiddenField<number>();
    const label = hiddenField<string>();
    const list = [{ a: 1 }];
    expect(size.get(list)).toBeUndefined();
    expect(size.set(list, 5)).toBe(list);
    label.set(list, "x");
    expect(size.get(list)).toBe(5);
    expect(label.get(list)).toBe("x");
    size.set(list, 6);
    expect(size.get(list)).toBe(6);
    expect(JSON.stringify(list)).toBe('[{"a":1}]');
    expect(Reflect.ownKeys(list)).toEqual(["0", "length"]);
    expect(list).toEqual([{ a: 1 }]);
    expect(list).toStrictEqual([{ a: 1 }]);
    // A copy does not carry it.
    expect(size.get([...list])).toBeUndefined();
  });
});
