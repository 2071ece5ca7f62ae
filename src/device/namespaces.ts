// The namespaces of the NVM subsystem as this controller sees them: size, block size and whether each is attached
// to this controller (NVMe Base 2.0 §3.2.1, §5.23). Mutable device state, owned by the emulator facade and changed
// only by Namespace Attachment; the namespace-change fault reports a change without touching it (as OpenVMM's does).

export interface NamespaceSpec {
  readonly nsid: number;
  readonly blocks: number;
  readonly blockSize: number;
  readonly attached: boolean;
}

export class NamespaceTable {
  private readonly byId = new Map<number, { spec: NamespaceSpec; attached: boolean }>();
  private activeCache: Uint32Array | undefined;

  constructor(namespaces: readonly NamespaceSpec[]) {
    for (const ns of namespaces) {
      if (this.byId.has(ns.nsid)) throw new RangeError(`namespace ${ns.nsid} is defined twice`);
      this.byId.set(ns.nsid, { spec: ns, attached: ns.attached });
    }
  }

  get size(): number {
    return this.byId.size;
  }
  /** Largest NSID defined: Identify Controller NN. */
  get maxNsid(): number {
    let max = 0;
    for (const id of this.byId.keys()) max = Math.max(max, id);
    return max;
  }
  get(nsid: number): (NamespaceSpec & { attached: boolean }) | undefined {
    const e = this.byId.get(nsid);
    return e && { ...e.spec, attached: e.attached };
  }
  isAttached(nsid: number): boolean {
    return this.byId.get(nsid)?.attached ?? false;
  }
  /** Attached NSIDs in ascending order, cached (Identify CNS 02h is on the benchmark's hot path): a Uint32Array,
   * so a page of the list is one copy. Shared: do not modify it. */
  active(): Uint32Array {
    if (!this.activeCache) this.activeCache = Uint32Array.from([...this.byId.entries()].filter(([, e]) => e.attached).map(([id]) => id)).sort();
    return this.activeCache;
  }
  setAttached(nsid: number, attached: boolean): void {
    const e = this.byId.get(nsid);
    if (!e) throw new RangeError(`namespace ${nsid} does not exist`);
    e.attached = attached;
    this.activeCache = undefined;
  }
}
