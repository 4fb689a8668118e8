/** `14:03:07` from an epoch-milliseconds timestamp. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour12: false });
}
