// The compiled command's entry point (dist/src/main.js, what `npm start` runs under plain node); the package's bin
// (bin/nvme-actors.js) imports the CLI itself.
import { runAsProgram } from './cli.ts';

await runAsProgram();
