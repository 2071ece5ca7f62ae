// The in-process transport: the host driver talks to an emulated controller through the same Transport
// interface it uses for QEMU. MMIO and memory calls answer synchronously (no promise per access); `wait` yields to the event loop
// so promise-based work (the namespace-change RPC, injected delays) can progress.
import type { Transport } from './transport.ts';
import { createController, type ControllerOptions, type EmulatedController } from '../emulator.ts';

/** Guest memory the host may use: everything above the first MiB. */
const HOST_MEMORY_BASE = 0x100000;

export class EmulatorTransport implements Transport {
  readonly name = 'emulator';
  readonly memoryBase = BigInt(HOST_MEMORY_BASE);
  readonly memorySize: number;

  constructor(readonly controller: EmulatedController) {
    this.memorySize = controller.memory.size - HOST_MEMORY_BASE;
  }

  mmioRead32(offset: number): number {
    return this.controller.mmioRead32(offset);
  }
  mmioRead64(offset: number): bigint {
    return this.controller.mmioRead64(offset);
  }
  mmioWrite32(offset: number, value: number): void {
    this.controller.mmioWrite32(offset, value);
  }
  mmioWrite64(offset: number, value: bigint): void {
    this.controller.mmioWrite64(offset, value);
  }
  memRead(address: bigint, length: number): Uint8Array {
    return this.controller.memory.read(address, length);
  }
  memWrite(address: bigint, data: Uint8Array): void {
    this.controller.memory.write(address, data);
  }
  wait(ms: number): Promise<void> {
    return ms <= 0 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, ms));
  }
  async close(): Promise<void> {
    this.controller.stop();
  }
}

export function emulatorTransport(options: ControllerOptions = {}): EmulatorTransport {
  return new EmulatorTransport(createController(options));
}
