/**
 * Everything the panel does beyond changing its own view state. Views render the store and call these;
 * a command talks to the services (the worker, the inspected page, permission prompts, files, downloads),
 * updates the store optimistically where a click should show at once, rolls back when the answer says no,
 * and tells the outcome in a notice. Sessions are opened here too, each on its own source.
 */
import { captureCommands, type CaptureCommands } from './capture.ts';
import { copyCommands, type CopyCommands } from './copy.ts';
import type { CommandDeps } from './deps.ts';
import { exportCommands, type ExportCommands } from './export.ts';
import { gapCommands, type GapCommands } from './gaps.ts';
import { pageCommands, type PageCommands } from './page.ts';
import { sessionCommands, type SessionCommands } from './sessions.ts';

export type { CommandDeps } from './deps.ts';
export type { SdkRead, SignatureCheck } from './page.ts';

export interface PanelCommands
  extends SessionCommands, CaptureCommands, ExportCommands, PageCommands, GapCommands, CopyCommands {
  dismissNotice(): void;
}

export function createCommands(deps: CommandDeps): PanelCommands {
  const capture = captureCommands(deps);
  return {
    ...sessionCommands(deps),
    ...capture,
    ...exportCommands(deps),
    ...pageCommands(deps),
    ...gapCommands(deps, capture),
    ...copyCommands(deps),
    dismissNotice: () => deps.store.dispatch({ type: 'noticeShown', notice: null }),
  };
}
