import { type FormEvent, useEffect, useId, useState } from 'react';
import { sendRequest } from '../../lib/client/messaging';
import { formatWhen, useSyncStatus } from '../../lib/client/use-status';
import { errorText } from '../../lib/shared/error-text';
import type { Connection } from '../../lib/shared/schema/protocol';
import { OpenDashboardButton } from '../common/OpenDashboardButton';
import { UnsentElsewhere } from '../common/UnsentElsewhere';
import { OpenLinksSection } from './OpenLinksSection';
import { SandboxSection } from './SandboxSection';

/** Options page (issue 3 §2): Server URL + Access token → Connect → "Connected as <name>". */
export function OptionsApp() {
  const [settings, setSettings] = useState<Connection | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: 'url' | 'token' | null; message: string } | null>(null);
  /** Disconnect was asked for with decisions not yet sent: say so before going. */
  const [confirming, setConfirming] = useState<number | null>(null);
  const { status } = useSyncStatus();
  const urlId = useId();
  const tokenId = useId();
  const errorId = useId();

  // The stored connection, from the worker; read again when the status names another person
  // (a connect or disconnect in another window).
  const statusUser = status ? (status.user?.id ?? '') : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `statusUser` is the trigger to read again.
  useEffect(() => {
    let live = true;
    sendRequest('getConnection', {}).then(
      (s) => {
        if (!live) return;
        setSettings(s);
        if (s) setUrl((typed) => typed || s.serverUrl);
        setLoaded(true);
      },
      () => live && setLoaded(true),
    );
    return () => {
      live = false;
    };
  }, [statusUser]);

  async function onConnect(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await sendRequest('connect', { serverUrl: url, token });
      if (result.ok) {
        setSettings(result.connection);
        setToken('');
      } else {
        setError({ field: result.field, message: result.message });
      }
    } catch (err) {
      setError({ field: null, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  async function onDisconnect(force = false) {
    // Ask the worker, not the last status seen: a decision may have been saved a moment ago.
    const unsynced = force ? 0 : ((await sendRequest('getStatus', {}).catch(() => status))?.unsynced ?? 0);
    if (unsynced > 0) {
      setConfirming(unsynced);
      return;
    }
    setConfirming(null);
    await sendRequest('disconnect', {});
    setSettings(null);
    setError(null);
  }

  const paused = settings !== null && status?.paused === true;

  return (
    <main className="options">
      <h1>Countersign</h1>
      {settings && (
        <section aria-labelledby="connection-heading" className="connection">
          <h2 id="connection-heading">Connection</h2>
          <p className="connected">
            Connected as <strong>{settings.user.name || settings.user.id}</strong>{' '}
            <span className="role">({settings.user.role})</span>
          </p>
          <p className="server">Server: {settings.serverUrl}</p>
          {status && !paused && (
            <p className="sync">
              Last sync: {formatWhen(status.lastSyncAt)} · {status.waiting} waiting · {status.unsynced} not yet synced
            </p>
          )}
          {status?.problem && !paused && <output className="note">{status.problem.message}</output>}
          {paused && (
            <p role="alert" className="problem">
              {status?.problem?.message ?? 'Sync is paused: connect again.'}
            </p>
          )}
          <div className="actions">
            <OpenDashboardButton role={settings.user.role} />
            <button type="button" onClick={() => void onDisconnect()}>
              Disconnect
            </button>
          </div>
          {confirming !== null && (
            <div role="alert" className="problem confirm">
              <p>
                {confirming} decision{confirming === 1 ? ' is' : 's are'} not yet sent to {settings.serverUrl}. If you
                disconnect, {confirming === 1 ? 'it stays' : 'they stay'} in this browser and{' '}
                {confirming === 1 ? 'is' : 'are'} sent when you connect again as{' '}
                {settings.user.name || settings.user.id} to this server.
              </p>
              <div className="actions">
                <button type="button" onClick={() => void onDisconnect(true)}>
                  Disconnect anyway
                </button>
                <button type="button" onClick={() => setConfirming(null)}>
                  Stay connected
                </button>
              </div>
            </div>
          )}
        </section>
      )}
      <UnsentElsewhere accounts={status?.elsewhere} />
      {loaded && (
        <form onSubmit={onConnect} noValidate aria-describedby={error ? errorId : undefined}>
          <h2>{settings ? 'Connect again or to another server' : 'Connect to your review server'}</h2>
          <div className="field">
            <label htmlFor={urlId}>Server URL</label>
            <input
              id={urlId}
              type="text"
              inputMode="url"
              autoComplete="url"
              spellCheck={false}
              placeholder="https://countersign.example.com"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              aria-invalid={error?.field === 'url' || undefined}
            />
          </div>
          <div className="field">
            <label htmlFor={tokenId}>Access token</label>
            <input
              id={tokenId}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              aria-invalid={error?.field === 'token' || undefined}
            />
          </div>
          {error && (
            <p id={errorId} role="alert" className="problem">
              {error.message}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {busy ? 'Connecting…' : 'Connect'}
          </button>
        </form>
      )}
      {loaded && settings?.serverUrl && <OpenLinksSection serverUrl={settings.serverUrl} />}
      {loaded && <SandboxSection serverUrl={settings?.serverUrl ?? null} />}
    </main>
  );
}
