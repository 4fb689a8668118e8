/**
 * The `?` overlay listing the keyboard shortcuts (`ShortcutsDialog.tsx`), shown while the store says so. The
 * dialog is loaded the first time it opens: it is not part of what the panel paints first.
 */
import { useStore } from '../hooks.ts';
import { lazyView } from './lazy.tsx';

const ShortcutsDialog = lazyView(() => import('./ShortcutsDialog.tsx').then((m) => m.ShortcutsDialog));

export function ShortcutsOverlay() {
  const open = useStore((s) => s.shortcutsOpen);
  return open ? <ShortcutsDialog /> : null;
}
