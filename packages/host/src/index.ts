/**
 * `@vm/host`: the host side of vm (Node only): serial consoles on terminals,
 * files and sockets, and the `vm` command line.
 *
 * @packageDocumentation
 */
export { SerialConsole } from './console/serial-console.js';
export { TerminalConsole } from './console/terminal-console.js';
export { FileConsole } from './console/file-console.js';
export { SocketConsole } from './console/socket-console.js';
export { parseRunArgs, parseSerialTarget, UsageError } from './cli/run-args.js';
export type { RunOptions, SerialTarget } from './cli/run-args.js';
