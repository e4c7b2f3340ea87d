/**
 * Started networks alive in this process, and what happens to them when the process is interrupted: on SIGINT,
 * SIGTERM or SIGHUP every network is disposed (and the process exits 130/143 unless every network's owner said it
 * handles exiting itself); at process exit, whatever still runs is killed synchronously. One registry for every
 * runtime.
 */

/**
 * On a signal while a network exists: remove everything and exit 130/143 (default, so Ctrl-C never leaves processes
 * or containers behind), only remove everything (the caller decides about exiting), or do nothing (the caller
 * disposes the network itself).
 */
export type SignalPolicy = "dispose-and-exit" | "dispose" | "ignore";

export interface Disposable {
  [Symbol.asyncDispose](): Promise<void>;
  destroyNow(): void;
}

const alive = new Map<Disposable, SignalPolicy>();
let installed = false;
/** How long a signal waits for networks to be removed before exiting anyway. */
const SIGNAL_DISPOSE_LIMIT_MS = 20_000;

function onExit(): void {
  for (const network of alive.keys()) {
    try {
      network.destroyNow();
    } catch {
      // best effort at exit
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  const networks = [...alive];
  if (networks.length === 0) return;
  const mustExit = networks.some(([, policy]) => policy === "dispose-and-exit");
  const disposal = Promise.allSettled(
    networks.filter(([, policy]) => policy !== "ignore").map(([network]) => network[Symbol.asyncDispose]()),
  );
  const limit = new Promise((resolve) => setTimeout(resolve, SIGNAL_DISPOSE_LIMIT_MS).unref());
  void Promise.race([disposal, limit]).then(() => {
    // Listening to a signal replaces Node's default (exit), so exit the way a shell expects after Ctrl-C.
    if (mustExit) process.exit(signal === "SIGINT" ? 130 : signal === "SIGHUP" ? 129 : 143);
  });
}

export function trackNetwork(network: Disposable, policy: SignalPolicy): void {
  alive.set(network, policy);
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, onSignal);
}

export function forgetNetwork(network: Disposable): void {
  alive.delete(network);
  if (alive.size > 0 || !installed) return;
  installed = false;
  process.off("exit", onExit);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(sig, onSignal);
}
