import { useState } from 'react';
import { browser } from 'wxt/browser';
import { sendRequest } from '../../lib/client/messaging';
import { formatWhen, useSyncStatus } from '../../lib/client/use-status';
import { OpenDashboardButton } from '../common/OpenDashboardButton';
import { UnsentElsewhere } from '../common/UnsentElsewhere';

/** Toolbar popup (issue 3 §7): what waits, what is unsynced, last sync, the current problem, Sync now. */
export function PopupApp() {
  const { status, error, refresh } = useSyncStatus();
  const [syncing, setSyncing] = useState(false);

  async function syncNow() {
    setSyncing(true);
    try {
      await sendRequest('syncNow', {}, { retryForMs: 10_000 });
    } finally {
      setSyncing(false);
      refresh();
    }
  }

  if (!status) {
    return <main className="popup">{error ? <p role="alert">{error}</p> : <p>Loading…</p>}</main>;
  }

  if (!status.connected) {
    return (
      <main className="popup">
        <h1>Countersign</h1>
        <p>Not connected to a review server.</p>
        <UnsentElsewhere accounts={status.elsewhere} />
        <button type="button" onClick={() => void browser.runtime.openOptionsPage()}>
          Open settings
        </button>
      </main>
    );
  }

  return (
    <main className="popup">
      <h1>Countersign</h1>
      {status.user && (
        <p className="who">
          {status.user.name || status.user.id} ({status.user.role})
        </p>
      )}
      <dl className="figures">
        <dt>Drafts waiting for you</dt>
        <dd data-testid="waiting">{status.waiting}</dd>
        <dt>Decisions not yet synced</dt>
        <dd data-testid="unsynced">{status.unsynced}</dd>
        <dt>Last sync</dt>
        <dd>{status.syncing ? 'syncing…' : formatWhen(status.lastSyncAt)}</dd>
      </dl>
      {status.problem && (
        <p role="alert" className="problem">
          {status.problem.message}
          {status.paused && (
            <>
              {' '}
              <button type="button" className="link" onClick={() => void browser.runtime.openOptionsPage()}>
                Open settings
              </button>
            </>
          )}
        </p>
      )}
      <UnsentElsewhere accounts={status.elsewhere} />
      {status.attention.length > 0 && (
        <section aria-labelledby="attention-heading">
          <h2 id="attention-heading">Needs attention</h2>
          <ul className="attention">
            {status.attention.map((item) => (
              <li key={item.key}>
                <span>{item.message}</span>
                <button
                  type="button"
                  className="link"
                  onClick={() => void sendRequest('dismissProblem', { key: item.key }).then(refresh)}
                >
                  Dismiss
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="actions">
        <button type="button" onClick={() => void syncNow()} disabled={syncing || status.paused}>
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>
        {/* The popup stays open in Firefox when a tab opens: close it like Chromium does. */}
        <OpenDashboardButton role={status.user?.role} onOpened={() => window.close()} />
      </div>
    </main>
  );
}
