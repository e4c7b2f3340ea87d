export { LocalRuntime, type LocalRuntimeOptions } from "./local-runtime.js";
export { referencePeerCommand, referencePeerScript, packageRoot } from "./reference-peer.js";
export { splitCommandLine, quoteWord } from "./command-line.js";
