// The error of a misbehaving or vanished peer (QEMU, a guest, a remote controller): it exited, stopped answering,
// or answered outside its protocol. Neither a bug of ours nor bad input: the scenario running on that peer fails
// with this one-line message (and its trace so far), and the run goes on.

export class PeerError extends Error {
  override readonly name = 'PeerError';
  constructor(
    message: string,
    /** Which peer: 'qemu', ... */
    readonly peer: string,
    /** The message without the peer's own last words (its last stderr line), for a caller that adds them itself. */
    readonly brief: string = message,
  ) {
    super(message);
  }
}

/** `text` as a short, printable quote for a one-line message: control characters escaped, cut to `max`. */
export function quotePeerText(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).slice(1, -1);
}
