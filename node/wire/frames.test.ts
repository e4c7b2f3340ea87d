import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  FrameDecoder,
  FrameRejected,
  LinkFrameDecoder,
  encodeFrame,
  encodeLegacyFrames,
  parseAcceptorHandshake,
  parseDialerHandshake,
  type RejectReason,
} from "./frames.js";
import { MAX_FRAME_BYTES, type WireMessage } from "./messages.js";

const sample: WireMessage[] = [
  { type: "hello", protocol: "sumnet/1", node: "n1" },
  { type: "digest", have: { "n1@abc": [[1, 5], [7, 7]] } },
  { type: "numbers", numbers: [{ origin: "n1@abc", seq: 6, value: "-123456789012345678901234567890" }] },
];

function rejectReason(fn: () => { error?: FrameRejected }): RejectReason | undefined {
  return fn().error?.reason;
}

describe("frames", () => {
  it("round-trips messages however the stream is cut", () => {
    const stream = Buffer.concat(sample.map(encodeFrame));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 10 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const got: WireMessage[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          got.push(...decoder.push(stream.subarray(prev, p)).messages);
          prev = p;
        }
        expect(got).toEqual(sample);
      }),
    );
  });

  it("encodes compact JSON followed by one 0x04", () => {
    expect(encodeFrame(sample[0]!).toString("latin1")).toBe('{"type":"hello","protocol":"sumnet/1","node":"n1"}\x04');
  });

  it("accepts p2pnetwork's json.dumps spacing", () => {
    const d = new FrameDecoder();
    const { messages } = d.push(Buffer.from('{"type": "numbers", "numbers": [{"origin": "py@1", "seq": 1, "value": "2"}]}\x04'));
    expect(messages).toHaveLength(1);
  });

  it.each<[string, Buffer, RejectReason]>([
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x04]), "utf8"],
    ["not JSON", Buffer.from("hello str\x04"), "json"],
    ["empty frame", Buffer.from("\x04"), "json"],
    ["a JSON array", Buffer.from("[1,2]\x04"), "schema"],
    ["unknown type", Buffer.from('{"type":"gimme"}\x04'), "unknown_type"],
    ["no type", Buffer.from('{"n":1}\x04'), "unknown_type"],
    ["a float value", Buffer.from('{"type":"numbers","numbers":[{"origin":"a@1","seq":1,"value":"1.5"}]}\x04'), "schema"],
    ["seq zero", Buffer.from('{"type":"numbers","numbers":[{"origin":"a@1","seq":0,"value":"1"}]}\x04'), "schema"],
    ["bad origin", Buffer.from('{"type":"digest","have":{"no-at-sign":[[1,2]]}}\x04'), "schema"],
    ["inverted range", Buffer.from('{"type":"digest","have":{"a@1":[[5,2]]}}\x04'), "schema"],
  ])("rejects %s", (_name, bytes, reason) => {
    expect(rejectReason(() => new FrameDecoder().push(bytes))).toBe(reason);
  });

  it("keeps the messages before a bad frame", () => {
    const d = new FrameDecoder();
    const out = d.push(Buffer.concat([encodeFrame(sample[0]!), Buffer.from("oops\x04"), encodeFrame(sample[1]!)]));
    expect(out.messages).toEqual([sample[0]]);
    expect(out.error?.reason).toBe("json");
  });

  it("rejects a frame over 1 MiB before buffering more than the limit", () => {
    const d = new FrameDecoder();
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let reason: RejectReason | undefined;
    for (let i = 0; i < 20 && !reason; i++) reason = rejectReason(() => d.push(chunk));
    expect(reason).toBe("oversize");
    expect(rejectReason(() => new FrameDecoder().push(Buffer.alloc(MAX_FRAME_BYTES + 2, 0x20)))).toBe("oversize");
  });

  it("parses handshakes as p2pnetwork sends them", () => {
    expect(parseDialerHandshake(Buffer.from("node2:18002"))).toEqual({ ok: true, id: "node2", port: 18002 });
    expect(parseDialerHandshake(Buffer.from("a".repeat(128) + ":1"))).toMatchObject({ ok: true });
    expect(parseDialerHandshake(Buffer.from("node2"))).toMatchObject({ ok: false });
    expect(parseDialerHandshake(Buffer.from("node2:99999"))).toMatchObject({ ok: false });
    expect(parseDialerHandshake(Buffer.from('node2:1{"type":"hello"}\x04'))).toMatchObject({ ok: false });
    expect(parseAcceptorHandshake(Buffer.from("n1"))).toEqual({ ok: true, id: "n1" });
    expect(parseAcceptorHandshake(Buffer.from("n1\x04"))).toMatchObject({ ok: false });
  });

  describe("LinkFrameDecoder: the first frame decides sumnet or legacy", () => {
    it("a first hello makes a sumnet link, whose bad frames close it", () => {
      const d = new LinkFrameDecoder();
      const out = d.push(Buffer.concat([encodeFrame(sample[0]!), encodeFrame(sample[1]!), Buffer.from("42\x04")]));
      expect(out.frames).toEqual([
        { kind: "message", message: sample[0] },
        { kind: "message", message: sample[1] },
      ]);
      expect(out.error?.reason).toBe("schema");
      expect(d.isLegacy).toBe(false);
      expect(d.markLegacy()).toBe(false);
    });

    it("a bad hello first still closes the link as a sumnet link would", () => {
      const out = new LinkFrameDecoder().push(Buffer.from('{"type":"hello","protocol":"sumnet/1"}\x04'));
      expect(out.error?.reason).toBe("schema");
    });

    it("any other first frame makes a legacy link: every frame comes up as text, however the stream is cut", () => {
      const stream = Buffer.from('42\x04true\x04{"type": "greet"}\x04' + encodeFrame(sample[0]!).toString() + "\x04-7\x04");
      const want = ["42", "true", '{"type": "greet"}', JSON.stringify(sample[0]), "", "-7"];
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }), (cuts) => {
          const d = new LinkFrameDecoder();
          const got: string[] = [];
          let prev = 0;
          for (const p of [...[...new Set(cuts)].sort((a, b) => a - b), stream.length]) {
            const out = d.push(stream.subarray(prev, p));
            expect(out.error).toBeUndefined();
            for (const f of out.frames) got.push(f.kind === "legacy" ? f.text : "(message)");
            prev = p;
          }
          expect(got).toEqual(want);
          expect(d.isLegacy).toBe(true);
        }),
      );
    });

    it("markLegacy before any frame makes even a later hello legacy text", () => {
      const d = new LinkFrameDecoder();
      expect(d.markLegacy()).toBe(true);
      expect(d.push(encodeFrame(sample[0]!)).frames).toEqual([{ kind: "legacy", text: JSON.stringify(sample[0]) }]);
    });

    it("on a legacy link, invalid UTF-8 and oversize frames still close it", () => {
      const d = new LinkFrameDecoder();
      const out = d.push(Buffer.concat([Buffer.from("1\x04"), Buffer.from([0xff, 0xfe, 0x04])]));
      expect(out.frames).toEqual([{ kind: "legacy", text: "1" }]);
      expect(out.error?.reason).toBe("utf8");
      expect(new LinkFrameDecoder().push(Buffer.alloc(MAX_FRAME_BYTES + 2, 0x31)).error?.reason).toBe("oversize");
      const big = Buffer.concat([Buffer.alloc(MAX_FRAME_BYTES + 1, 0x31), Buffer.from("\x04")]);
      expect(new LinkFrameDecoder().push(big).error?.reason).toBe("oversize");
    });

    it("encodes legacy frames as bare decimals", () => {
      expect(encodeLegacyFrames(["57", "-1"]).toString("latin1")).toBe("57\x04-1\x04");
    });
  });
});
