// Constructors for the messages the latch and the admin queue send each other through systemId. Typed values
// (not literals at the call site) so `sendTo` a system-resolved actor keeps the payload's type.
import type { CompletionRequested, DoorbellInvalid, LatchReplied, NamespaceChanged } from '../../machines/events.ts';
import type { Status } from '../spec/constants.ts';

export const completionRequested = (cid: number, status: Status, dw0 = 0): CompletionRequested => ({ type: 'completion.requested', cid, status, dw0 });
export const latchReplied = (status: Status, dw0 = 0, data?: Uint8Array): LatchReplied => (data ? { type: 'latch.replied', status, dw0, data } : { type: 'latch.replied', status, dw0 });
export const namespaceChanged = (nsid: number, extra: Omit<NamespaceChanged, 'type' | 'nsid'> = {}): NamespaceChanged => ({ type: 'namespace.changed', nsid, ...extra });
export const doorbellInvalid = (info: number): DoorbellInvalid => ({ type: 'doorbell.invalid', info });
