/** What every command works with, and the one way they tell the user something. */
import type { AnalyzerOptions } from '../../core/model/analyzer.ts';
import type { PanelServices } from '../panel-services.ts';
import type { PanelStore } from '../store/panel-store.ts';
import type { Notice } from '../store/types.ts';
import type { AnalyzerLike } from '../session/types.ts';

export interface CommandDeps {
  store: PanelStore;
  services: PanelServices;
  /** Makes an analyser; the analyser's code may still be loading. */
  loadAnalyzer(options: AnalyzerOptions): Promise<AnalyzerLike>;
}

export function notify(store: PanelStore, notice: Notice): void {
  store.dispatch({ type: 'noticeShown', notice });
}
