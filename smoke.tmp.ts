import { runPacks, explain, checkRef } from './src/model/fingerprint.ts';
import { makeEmulatorTarget } from './src/scenario/runner.ts';
const { runs } = await runPacks({ name: 'emulator(qemu)', factory: makeEmulatorTarget({ profile: 'qemu' }) }, ['spec']);
const e = explain(runs[0]!, 'qemu');
for (const u of e.unexplained) console.log(checkRef(u.result), u.predicted, u.result.passed, u.result.firstFailure);
