import { describe, expect, it } from "vitest";
import { describeAction, LIVE_ACTION_KINDS, LiveControl, liveActionSchema, type LiveAction } from "./live.js";

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("liveActionSchema", () => {
  it("takes every kind the page posts, and names what is wrong in what it refuses", () => {
    expect(LIVE_ACTION_KINDS).toEqual(["inject", "kill", "stop", "start", "restart", "pause", "resume", "cut", "restore", "hold", "go"]);
    expect(liveActionSchema.parse({ kind: "inject", node: "n1", values: [5, "-12345678901234567890123"] }).kind).toBe("inject");
    expect(liveActionSchema.parse({ kind: "cut", a: "n1", b: "n2" })).toEqual({ kind: "cut", a: "n1", b: "n2" });
    const bad = [
      [{ kind: "inject", node: "n1", values: [] }, "values"],
      [{ kind: "inject", node: "n1", values: [1.5] }, "values.0"],
      [{ kind: "kill" }, "node"],
      [{ kind: "kill", node: "n1", extra: 1 }, ""],
      [{ kind: "explode", node: "n1" }, "kind"],
      [{ kind: "cut", a: "n1" }, "b"],
    ] as const;
    for (const [body, path] of bad) {
      const r = liveActionSchema.safeParse(body);
      expect(r.success, JSON.stringify(body)).toBe(false);
      expect(r.error!.issues[0]!.path.join("."), JSON.stringify(body)).toBe(path);
    }
  });

  it("describes actions in the page's words", () => {
    expect(describeAction({ kind: "inject", node: "n3", values: [5, 7] })).toBe("add 5, 7 at n3");
    expect(describeAction({ kind: "cut", a: "n1", b: "n2" })).toBe("cut n1-n2");
    expect(describeAction({ kind: "kill", node: "n2" })).toBe("kill n2");
  });
});

describe("LiveControl", () => {
  it("refuses actions while no run is attached, and after it detached", async () => {
    const live = new LiveControl();
    expect(await live.submit({ kind: "kill", node: "n1" })).toEqual({ ok: false, message: "no scenario is running: there is no network to act on" });
    expect(live.hasSession).toBe(false);
    live.attach(async () => "done", () => ({ steps: [] }));
    expect(live.hasSession).toBe(true);
    const queued = live.submit({ kind: "kill", node: "n1" });
    live.detach();
    expect(await queued).toEqual({ ok: false, message: "not carried out: the scenario ended" });
    expect(live.sessionScenario()).toEqual({ steps: [] });
    expect(live.hasSession).toBe(true);
  });

  it("carries out queued actions in order between steps, and reports the executor's refusals", async () => {
    const live = new LiveControl();
    const done: string[] = [];
    live.attach(async (a) => {
      if (a.kind === "kill") throw new Error("n9 is stopped");
      done.push(describeAction(a));
      return describeAction(a);
    }, () => ({}));
    const first = live.submit({ kind: "inject", node: "n1", values: [1] });
    const second = live.submit({ kind: "kill", node: "n9" });
    const third = live.submit({ kind: "cut", a: "n1", b: "n2" });
    expect(done).toEqual([]); // nothing runs until the runner is between steps
    await live.between();
    expect(await first).toEqual({ ok: true, message: "add 1 at n1" });
    expect(await second).toEqual({ ok: false, message: "kill n9: n9 is stopped" });
    expect(await third).toEqual({ ok: true, message: "cut n1-n2" });
    expect(done).toEqual(["add 1 at n1", "cut n1-n2"]);
    expect(live.carriedOut).toBe(2);
  });

  it("holds the runner between steps until go, carrying out actions meanwhile", async () => {
    const live = new LiveControl();
    const done: LiveAction[] = [];
    live.attach(async (a) => (done.push(a), "ok"), () => ({}));
    await live.submit({ kind: "hold" });
    expect(live.isHeld).toBe(true);
    let passed = false;
    const waiting = live.between().then(() => (passed = true));
    await settle();
    expect(passed).toBe(false);
    expect(await live.submit({ kind: "stop", node: "n2" })).toEqual({ ok: true, message: "ok" });
    await settle();
    expect(passed).toBe(false);
    await live.submit({ kind: "go" });
    await waiting;
    expect(done).toEqual([{ kind: "stop", node: "n2" }]);
  });

  it("ends a hold when the run is aborted", async () => {
    const live = new LiveControl();
    live.attach(async () => "ok", () => ({}));
    await live.submit({ kind: "hold" });
    const abort = new AbortController();
    const waiting = live.between(abort.signal);
    abort.abort();
    await waiting;
    expect(live.isHeld).toBe(true);
  });

  it("serves actions during a sleep and returns when its time is up, held or not", async () => {
    const live = new LiveControl();
    live.attach(async () => "ok", () => ({}));
    await live.submit({ kind: "hold" });
    const t0 = performance.now();
    const sleeping = live.during(150);
    const answer = live.submit({ kind: "pause", node: "n1" });
    expect((await answer).ok).toBe(true);
    expect(performance.now() - t0).toBeLessThan(150);
    await sleeping;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(149);
  });

  it("gives up an action the runner did not reach in time, and never carries it out later", async () => {
    const live = new LiveControl();
    const done: string[] = [];
    live.attach(async (a) => (done.push(a.kind), "ok"), () => ({}));
    const outcome = await live.submit({ kind: "kill", node: "n1" }, 20);
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/^not carried out: the runner was inside a step that cannot be interrupted/);
    await live.between();
    expect(done).toEqual([]);
  });
});
