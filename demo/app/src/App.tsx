import { useEffect } from 'preact/hooks';
import { clearActivity } from './lib/activity.ts';
import { config } from './lib/config.ts';
import { startInboxPolling } from './lib/otp-inbox.ts';
import { restoreSession } from './lib/session.ts';
import { ChallengeLog } from './components/ChallengeLog.tsx';
import { ErrorLog } from './components/ErrorLog.tsx';
import { InboxPanel } from './components/InboxPanel.tsx';
import { SessionPanel } from './components/SessionPanel.tsx';
import { TokenLog } from './components/TokenLog.tsx';
import { DynamicFlow } from './flows/DynamicFlow.tsx';
import { KycFlow } from './flows/KycFlow.tsx';
import { LoginFlow } from './flows/LoginFlow.tsx';
import { OAuthFlow } from './flows/OAuthFlow.tsx';
import { PasswordResetFlow } from './flows/PasswordResetFlow.tsx';
import { ScopePolicyFlow } from './flows/ScopePolicyFlow.tsx';
import { TransferFlow } from './flows/TransferFlow.tsx';

/** The demo bank: every step-up flow of the Prelude examples on one page, plus what the SDK reported. */
export function App() {
  useEffect(() => startInboxPolling(), []);
  useEffect(() => {
    void restoreSession();
  }, []);
  return (
    <div class="layout">
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            N
          </span>
          <div>
            <h1>Northwind Bank</h1>
            <p class="muted small">
              Step-up authentication demo · <code>@prelude.so/js-sdk</code> 0.6.0 ·{' '}
              <code>{config.domain}</code> · Dynamic · RFC 9470
            </p>
          </div>
        </div>
        <button
          type="button"
          class="btn btn-small btn-ghost"
          onClick={clearActivity}
          data-testid="clear-activity"
        >
          Clear logs
        </button>
      </header>
      <main class="flows" aria-label="Flows">
        <LoginFlow />
        <TransferFlow />
        <PasswordResetFlow />
        <KycFlow />
        <ScopePolicyFlow />
        <DynamicFlow />
        <OAuthFlow />
      </main>
      <aside class="side" aria-label="What the SDK reported">
        <SessionPanel />
        <InboxPanel />
        <ChallengeLog />
        <TokenLog />
        <ErrorLog />
      </aside>
    </div>
  );
}
