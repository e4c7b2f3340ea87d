import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.js";

function error(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("peer configuration", () => {
  it("has the documented defaults", () => {
    const c = parseConfig({ NODE_ID: "n1" });
    expect(c).toMatchObject({
      nodeId: "n1",
      p2pHost: "0.0.0.0",
      p2pPort: 7000,
      peers: [],
      httpPort: 8080,
      dataDir: undefined,
      numbers: [],
      logFormat: "text",
      logLevel: "info",
      dissemination: "tree",
    });
    expect(parseConfig({ NODE_ID: "n1", LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    expect(parseConfig({ NODE_ID: "n1", DISSEMINATION: "flood" }).dissemination).toBe("flood");
  });

  it("parses peers and numbers of any size", () => {
    const c = parseConfig({ NODE_ID: "n1", PEERS: "p2:7000, 10.0.0.3:7001,", NUMBERS: "1,-2, 123456789012345678901234567890" });
    expect(c.peers).toEqual([
      { host: "p2", port: 7000 },
      { host: "10.0.0.3", port: 7001 },
    ]);
    expect(c.numbers).toEqual([1n, -2n, 123456789012345678901234567890n]);
  });

  it.each([
    [{ NODE_ID: "bad id!" }, 'invalid NODE_ID="bad id!": expected a name of 1 to 128 letters'],
    [{ NODE_ID: "n1", P2P_PORT: "70000" }, 'invalid P2P_PORT="70000": expected a port number from 0 to 65535'],
    [{ NODE_ID: "n1", HTTP_PORT: "http" }, 'invalid HTTP_PORT="http": expected a port number'],
    [{ NODE_ID: "n1", PEERS: "p2" }, "invalid PEERS=\"p2\": expected 'p2' is not host:port"],
    [{ NODE_ID: "n1", NUMBERS: "1,2.5" }, "invalid NUMBERS=\"1,2.5\": expected item 2 '2.5' is not an integer"],
    [{ NODE_ID: "n1", LOG_FORMAT: "xml" }, "invalid LOG_FORMAT=\"xml\": expected 'text' or 'json'"],
    [{ NODE_ID: "n1", LOG_LEVEL: "trace" }, "invalid LOG_LEVEL=\"trace\": expected 'info' or 'debug'"],
    [{ NODE_ID: "n1", BATCH_MS: "50" }, "invalid BATCH_MS=\"50\": expected a whole number of milliseconds from 0 to 20"],
  ])("names the variable, the value and what is expected: %j", (env, message) => {
    expect(error(env)).toContain(message);
  });

  it("reports every invalid variable at once", () => {
    expect(error({ NODE_ID: "n1", P2P_PORT: "x", HTTP_PORT: "y" }).split("\n")).toHaveLength(2);
  });
});
