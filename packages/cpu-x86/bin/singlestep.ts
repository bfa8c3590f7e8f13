// Single-step conformance runner. Usage (from the package folder):
//   node --import tsx --conditions=source bin/singlestep.ts <vector-folder> [--verbose] [--only=F6.6,27]
import { main } from '../src/conformance/cli.js';

process.exitCode = main(process.argv.slice(2));
