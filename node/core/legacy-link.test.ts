import { describe, expect, it } from "vitest";
import { LegacyLinks, classifyLegacyFrame, type LegacyOutput } from "./legacy-link.js";
import { Replica, type NumberRecord } from "./replica.js";

function links(silenceMs = 3000): LegacyLinks {
  let n = 0;
  return new LegacyLinks({ nodeId: "n1", newIncarnation: () => `inc${++n}`, silenceMs });
}

const sent = (outputs: LegacyOutput[], link: number) =>
  outputs.flatMap((o) => (o.kind === "send" && o.link === link ? o.values : []));
const added = (outputs: LegacyOutput[]) => outputs.flatMap((o) => (o.kind === "add" ? o.numbers : []));
const rec = (origin: string, seq: number, value: bigint): NumberRecord => ({ origin, seq, value });

describe("classifyLegacyFrame", () => {
  it.each([
    ["42", 42n],
    ["-7", -7n],
    ["+5", 5n],
    ["007", 7n],
    [" 12\n", 12n],
    ["9".repeat(1000), BigInt("9".repeat(1000))],
    ["-123456789012345678901234567890", -123456789012345678901234567890n],
  ])("%j is the integer %s", (text, value) => {
    expect(classifyLegacyFrame(text)).toEqual({ kind: "integer", value });
  });

  it.each([
    ["true", "the boolean true"],
    ["false", "the boolean false"],
    ["null", "null"],
    ["", "an empty frame"],
    ["1.5", "a number that is not an integer"],
    ["1e3", "a number that is not an integer"],
    ["42.0", "a number that is not an integer"],
    ['"42"', "a JSON string"],
    ["[1,2]", "a JSON array"],
    ["hello there", "text that is not an integer"],
    ["1_000", "text that is not an integer"],
    ['{"type": "greet", "n": 1}', "a JSON object"],
    ['{"type":"numbers","numbers":[{"origin":"a@1","seq":1,"value":"5"}]}', "a JSON object"],
    ["9".repeat(1001), "an integer of 1001 digits, over the limit of 1000"],
  ])("%j is ignored: %s", (text, why) => {
    expect(classifyLegacyFrame(text)).toEqual({ kind: "other", why });
  });

  it("tells a sumnet hello apart (the link was taken for legacy by mistake)", () => {
    expect(classifyLegacyFrame('{"type":"hello","protocol":"sumnet/1","node":"n2"}')).toEqual({ kind: "hello" });
  });
});

describe("LegacyLinks", () => {
  it("sends every held number once when the link turns legacy, as bare decimals", () => {
    const l = links();
    const out = l.begin(1, "py", [rec("n2@init", 1, 5n), rec("n3@x", 1, -(10n ** 30n))]);
    expect(out).toEqual([{ kind: "send", link: 1, values: ["5", "-1000000000000000000000000000000"] }]);
    expect(l.begin(1, "py", [rec("n2@init", 1, 5n)])).toEqual([]);
    expect(l.isLegacy(1)).toBe(true);
  });

  it("adds integer frames under the connection's own origin, seq counting them, and ignores the rest", () => {
    const l = links();
    l.begin(1, "py", []);
    l.begin(2, "py2", []);
    const origin = l.originOf(1)!;
    expect(origin).toBe("n1@legacy.inc1");
    expect(l.originOf(2)).toBe("n1@legacy.inc2");
    expect(added(l.frame(1, "42"))).toEqual([rec(origin, 1, 42n)]);
    expect(l.frame(1, "true")).toEqual([{ kind: "ignored", link: 1, why: "the boolean true", frame: "true" }]);
    expect(added(l.frame(1, "-3"))).toEqual([rec(origin, 2, -3n)]);
    const long = l.frame(1, "x".repeat(100));
    expect(long[0]).toMatchObject({ kind: "ignored", frame: `${"x".repeat(60)}...` });
    expect(l.views()).toContainEqual({
      link: 1,
      peer: "py",
      origin,
      numbersReceived: 2,
      framesIgnored: 2,
      numbersSent: 0,
    });
  });

  it("sends each new number to every legacy link but the one it came in on", () => {
    const l = links();
    l.begin(1, "a", []);
    l.begin(2, "b", []);
    const fromA = added(l.frame(1, "42"));
    const out = l.learned([...fromA, rec("n2@init", 1, 8n)]);
    expect(sent(out, 1)).toEqual(["8"]);
    expect(sent(out, 2)).toEqual(["42", "8"]);
    l.end(2);
    expect(sent(l.learned([rec("n2@init", 2, 1n)]), 2)).toEqual([]);
  });

  it("closes a legacy link that turns out to speak sumnet/1", () => {
    const l = links();
    l.begin(1, "n2", []);
    expect(l.frame(1, '{"type":"hello","protocol":"sumnet/1","node":"n2"}')).toMatchObject([{ kind: "close", link: 1 }]);
  });

  it("takes a dialed link as legacy only after silenceMs without any frame", () => {
    const l = links(3000);
    l.dialed(1, "quiet", 1000);
    l.dialed(2, "talks", 1000);
    l.dialed(3, "later", 2000);
    l.heard(2);
    expect(l.expired(3999)).toEqual([]);
    expect(l.expired(4000)).toEqual([{ link: 1, peer: "quiet" }]);
    expect(l.expired(4500)).toEqual([]);
    l.end(3);
    expect(l.expired(10_000)).toEqual([]);
  });

  it("with a replica: a classroom node's sum equals the network total (its own numbers plus what it was sent)", () => {
    const replica = new Replica({ nodeId: "n1", origin: "n1@p" });
    replica.addLocal([rec("n1@init", 1, 5n)]);
    const l = links();
    const classroomOwn: bigint[] = [];
    const classroomGot: bigint[] = [];
    const deliver = (outputs: LegacyOutput[]) => {
      for (const v of sent(outputs, 1)) classroomGot.push(BigInt(v));
      for (const o of outputs) if (o.kind === "add") deliver(l.learned(learnedOf(replica.addLocal(o.numbers))));
    };
    const held = Object.keys(replica.digest()).flatMap((o) => replica.numbersOf(o));
    deliver(l.begin(1, "py", held));
    for (const typed of [42n, -2n]) {
      classroomOwn.push(typed);
      deliver(l.frame(1, typed.toString()));
    }
    deliver(l.learned(learnedOf(replica.addLocal([rec("n9@init", 1, 100n)]))));
    const sum = [...classroomOwn, ...classroomGot].reduce((a, b) => a + b, 0n);
    expect(replica.total).toBe(145n);
    expect(sum).toBe(replica.total);
  });
});

function learnedOf(outputs: ReturnType<Replica["addLocal"]>): NumberRecord[] {
  return outputs.flatMap((o) => (o.kind === "learned" ? o.numbers : []));
}
