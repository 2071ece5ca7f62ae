// Untrusted text (scenario names, tags, keys and values from a file, a peer's stderr) on one terminal line: control
// characters (C0, DEL, C1), the Unicode line and paragraph separators and the bidirectional overrides are written
// as escapes (`\n`, `\u001b`), and an echoed value is cut to a length a message can carry. JSON output needs none
// of this (JSON.stringify escapes); the text trace and every error line use it.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `a\nb` → `a\\nb`, ESC → `\\u001b`: the text stays on one line and cannot drive the terminal. */
export function escapeControl(s: string): string {
  return s.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** At most `max` characters of `s` (never splitting a surrogate pair), then `… (N more characters)`. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}… (${s.length - end} more characters)`;
}

/** How long an echoed value (a string from a scenario file) may be in a message. */
export const ECHO_MAX = 80;
/** How long a whole error line may be. */
export const LINE_MAX = 2000;

/** A value from a file, as a message echoes it: cut to ECHO_MAX, then escaped. */
export const echo = (s: string, max = ECHO_MAX): string => escapeControl(clip(s, max));

/** A whole message as one line: escaped, cut to LINE_MAX. */
export const oneLine = (s: string, max = LINE_MAX): string => escapeControl(clip(s, max));
