import { describe, expect, it } from "vitest";
import { oomKilledOf } from "./docker/container-process.js";
import { crashReason, explainExit } from "./exit-words.js";

describe("words for a node's exit, from data", () => {
  it("blames the memory limit only when the engine reported OOMKilled", () => {
    expect(crashReason({ code: 137, signal: "SIGKILL", oomKilled: true }, { sandboxMemoryMiB: 64 })).toBe(
      "is not running: it exited on its own (code 137, signal SIGKILL): killed at the sandbox's memory limit of 64 MiB " +
        "(the container engine reported it out of memory): keep less in memory",
    );
    expect(explainExit({ code: 137, signal: "SIGKILL", oomKilled: true })).toBe(
      "killed for exceeding its memory limit (the container engine reported it out of memory)",
    );
  });

  it("does not call exit code 137 a memory kill when the engine says otherwise", () => {
    const reason = crashReason({ code: 137, signal: "SIGKILL", oomKilled: false }, { sandboxMemoryMiB: 64 });
    expect(reason).toBe(
      "is not running: it exited on its own (code 137, signal SIGKILL): killed (SIGKILL), not for memory (the container engine did not report it out of memory)",
    );
    expect(reason).not.toMatch(/64 MiB/);
  });

  it("says a local SIGKILL is a kill, and says nothing more of an ordinary exit", () => {
    expect(crashReason({ code: null, signal: "SIGKILL" })).toBe(
      "is not running: it exited on its own (code ?, signal SIGKILL): killed (SIGKILL) by something other than the harness",
    );
    expect(crashReason({ code: 1, signal: null })).toBe("is not running: it exited on its own (code 1)");
    expect(explainExit({ code: 0, signal: null, oomKilled: false })).toBeUndefined();
  });

  it("reads OOMKilled from the engine's inspect answer, and nothing from a malformed one", () => {
    expect(oomKilledOf({ State: { OOMKilled: true, ExitCode: 137 } })).toBe(true);
    expect(oomKilledOf({ State: { OOMKilled: false, ExitCode: 137 } })).toBe(false);
    expect(oomKilledOf({ State: { ExitCode: 137 } })).toBeUndefined();
    expect(oomKilledOf(undefined)).toBeUndefined();
  });
});
