// What every `flowmo <name>` command module exports (src/cli/commands/<name>.ts), registered in main.ts.
// Import engine code (tfjs, onnxruntime) inside run() with `await import(…)`, so `flowmo --help` stays instant.

export interface Command {
  readonly name: string // e.g. 'info'
  readonly summary: string // one line for `flowmo --help`
  readonly usage: string // full help text for `flowmo <name> --help`, starting with the synopsis line
  /** Runs with the arguments after the command name (global options removed); resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>
}
