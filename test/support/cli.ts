// Runs the nvme-actors command in-process with its output captured (no TTY, so no colours).
import { main, type CliIo } from '../../src/cli.ts';

export async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await main(argv, io);
  return { code, out, err };
}
