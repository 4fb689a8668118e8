/** A clock offset in words, for the `iat` check and the reports. */

/** "5 min 2 s", "3 s", "1 h 4 min": an offset's size in words, to the second. */
export function formatOffset(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (minutes < 60) return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** "5 min 2 s ahead of" / "3 s behind": how far and which way the device's clock is off (client − server). */
export function describeOffset(offsetMs: number): string {
  return `${formatOffset(offsetMs)} ${offsetMs > 0 ? 'ahead of' : 'behind'}`;
}
