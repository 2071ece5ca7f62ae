// The namespace-change fault (after OpenVMM's `NamespaceChange::ChangeNotification` RPC, nvme_resources/src/fault.rs,
// served in nvme_test/src/workers/admin.rs `next_event`): "namespace N changed", answered with a receipt once the
// controller has processed the change. Unlike OpenVMM's single reply slot (an opt-in emulation under the
// `openvmm-test` profile), every caller gets its own answer; a reset rejects callers waiting for an AEN; a caller can
// give up (`signal`, `timeoutMs`), which matters where an answer never comes (OpenVMM's dropped AEN).

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
  /** Give up when this signal aborts: the promise rejects with `aborted` and the RPC forgets the caller. */
  readonly signal?: AbortSignal;
  /** Give up after this many milliseconds (1..2147483647): the promise rejects with `timeout`. */
  readonly timeoutMs?: number;
}

export interface NamespaceFaults {
  notifyChange(nsid: number, options?: NotifyChangeOptions): Promise<NamespaceChangeReceipt>;
  /** Several namespaces in one RPC (one actor): each NSID is processed in order and gets its own receipt. */
  notifyChanges(nsids: readonly number[], options?: NotifyChangeOptions): Promise<NamespaceChangeReceipt[]>;
  /** Hot-remove an attached namespace (OpenVMM's `NvmeFaultControllerClient::remove_namespace`): it is detached and
   * the change reported as by notifyChange. With the `openvmm-test` option `removeNamespacePanics` and the controller
   * enabled, nvme_test's double notifier removal is reproduced: the controller panics (fatal) and the call rejects
   * with `panicked`. */
  remove(nsid: number, options?: NotifyChangeOptions): Promise<NamespaceChangeReceipt>;
  /** Calls not yet answered (a never-answered call that was given up on is not counted). */
  readonly waiting: number;
}

export type NamespaceChangeErrorCode = 'invalidNsid' | 'invalidOption' | 'reset' | 'stopped' | 'aborted' | 'timeout' | 'replaced' | 'panicked';

export class NamespaceChangeError extends Error {
  constructor(readonly code: NamespaceChangeErrorCode, message: string) {
    super(message);
    this.name = 'NamespaceChangeError';
  }
}
