import { GuestMemory } from '../../src/device/guest-memory.ts';
import { resolvePrps } from '../../src/device/prp.ts';
const m = new GuestMemory(1 << 20);
const L = 0x3000 + 4088;
const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(L), true);
m.write(BigInt(L), b);
console.log('start');
console.log(resolvePrps(m, 0x1000n, BigInt(L), 3 * 4096));
