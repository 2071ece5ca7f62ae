// The namespace-change fault (after OpenVMM's `NamespaceChange::ChangeNotification` RPC, openvmm-nvme-facts.md
// §1.1): "namespace N changed", answered with a receipt once the controller has processed the change. Unlike
// OpenVMM's single reply slot, every caller gets its own answer; a reset rejects callers waiting for an AEN.

/** posted: the AEN went to the completion queue now; coalesced: an AEN for this event is outstanding and unread,
 * so the change joined the list; deferred: no AER parked, or notices disabled (AEC bit 8). */
export type ReceiptOutcome = 'posted' | 'coalesced' | 'deferred';

export interface NamespaceChangeReceipt {
  readonly nsid: number;
  readonly outcome: ReceiptOutcome;
  /** With `until: 'aen'`: the AEN that covered the change. */
  readonly aen?: { readonly cid: number; readonly dw0: number };
}

export interface NotifyChangeOptions {
  /** 'processed' (default): resolve once the change is recorded. 'aen': resolve once an AEN covering it is posted. */
  readonly until?: 'processed' | 'aen';
}

export interface NamespaceFaults {
  notifyChange(nsid: number, options?: NotifyChangeOptions): Promise<NamespaceChangeReceipt>;
  /** Several namespaces in one RPC (one actor): each NSID is processed in order and gets its own receipt. */
  notifyChanges(nsids: readonly number[], options?: NotifyChangeOptions): Promise<NamespaceChangeReceipt[]>;
}

export type NamespaceChangeErrorCode = 'invalidNsid' | 'invalidOption' | 'reset' | 'stopped';

export class NamespaceChangeError extends Error {
  constructor(readonly code: NamespaceChangeErrorCode, message: string) {
    super(message);
    this.name = 'NamespaceChangeError';
  }
}
