// The host driver's only view of a controller: BAR0 MMIO, guest memory and a way to let time pass.
// Implemented in-process (the emulator) and over QEMU's qtest protocol, so one host driver drives both.
// All addresses are byte addresses; MMIO offsets are relative to BAR0.

/** A transport answers synchronously where it can (the emulator) and with a promise where it must (QEMU). */
export type Awaitable<T> = T | Promise<T>;

export interface Transport {
  /** A short name for traces: 'emulator', 'qemu'. */
  readonly name: string;
  /** Bytes of guest memory the host may use for queues and buffers, from `memoryBase`. */
  readonly memoryBase: bigint;
  readonly memorySize: number;
  mmioRead32(offset: number): Awaitable<number>;
  mmioRead64(offset: number): Awaitable<bigint>;
  mmioWrite32(offset: number, value: number): Awaitable<void>;
  mmioWrite64(offset: number, value: bigint): Awaitable<void>;
  memRead(address: bigint, length: number): Awaitable<Uint8Array>;
  memWrite(address: bigint, data: Uint8Array): Awaitable<void>;
  /** Let the controller make progress. In-process: yields to pending work; QEMU: sleeps briefly. */
  wait(ms: number): Promise<void>;
  /** Release the target (stop the QEMU process). Idempotent. */
  close(): Promise<void>;
}
