/**
 * Writing text to the clipboard from a click or a key press in the panel. The asynchronous Clipboard API is
 * tried first; DevTools shows extension panels in an iframe that the `clipboard-write` permissions policy may not
 * reach, where that API rejects, so the older copy command on a hidden, selected textarea is the fallback: it
 * needs only the user's gesture, which the caller's click or key press gives.
 */
export async function writeClipboard(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch (error) {
    if (copyWithCommand(text)) return;
    throw new Error(`The clipboard refused the text (${String(error)}).`, { cause: error });
  }
}

function copyWithCommand(text: string): boolean {
  const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.setAttribute('aria-hidden', 'true');
  area.style.cssText = 'position:fixed;top:0;left:0;width:1px;height:1px;opacity:0;pointer-events:none';
  document.body.append(area);
  area.select();
  let copied: boolean;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  // The copy moved the focus to the textarea: give it back, so keyboard users stay where they were.
  active?.focus({ preventScroll: true });
  return copied;
}
