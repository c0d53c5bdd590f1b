import { useEffect, useId, useState } from 'react';
import { disableSandbox, enableSandbox, hasSandboxPermission } from '../../lib/client/sandbox';
// The site registry's descriptors are data (names, sandbox pages): an extension page may import them,
// the one exception to "pages import lib/shared and lib/client" (see lib/page/sites/index.ts).
import { SITES } from '../../lib/page/sites';
import { errorText } from '../../lib/shared/error-text';
import { sandboxView } from '../../lib/shared/sandbox';
import { PermissionToggle } from './PermissionToggle';

/** The sandbox pages of a loopback server (`npm start`); none for any other server. */
function sandboxLinks(serverUrl: string | null): { key: string; label: string; href: string }[] {
  if (!serverUrl) return [];
  const origin = new URL(serverUrl).origin;
  return SITES.map((s) => ({ key: s.id, label: s.name, href: `${origin}/sandbox/${s.id}` })).filter(
    (l) => sandboxView(new URL(l.href), SITES) !== null,
  );
}

/**
 * "Enable sandbox pages" (issue 5 §2). The shipped manifest never matches localhost: turning this on
 * asks for the optional loopback host permission and registers the review script on the sandbox
 * paths (lib/client/sandbox.ts, lib/worker/sandbox.ts); turning it off unregisters it and gives the permission back. The checkbox
 * shows the browser's actual state (the person can also revoke the permission in its settings).
 */
export function SandboxSection({ serverUrl }: { serverUrl: string | null }) {
  const [on, setOn] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ text: string; problem: boolean } | null>(null);
  const hintId = useId();

  useEffect(() => {
    let live = true;
    hasSandboxPermission().then(
      (granted) => live && setOn(granted),
      () => live && setOn(false),
    );
    return () => {
      live = false;
    };
  }, []);

  function onToggle(enable: boolean) {
    setBusy(true);
    setResult(null);
    // Called in the click's own turn, before any await: browsers show the permission prompt only
    // during a user gesture.
    const work = enable
      ? enableSandbox().then((granted) => {
          setOn(granted);
          setResult(
            granted
              ? { text: 'Sandbox pages are on: the panel runs on the practice pages under /sandbox/.', problem: false }
              : { text: 'Sandbox pages stay off: access to localhost was not granted.', problem: true },
          );
        })
      : disableSandbox().then(() => {
          setOn(false);
          setResult({ text: 'Sandbox pages are off: the panel no longer runs on localhost.', problem: false });
        });
    work
      .catch(async (err: unknown) => {
        setResult({
          text: `Could not turn the sandbox pages ${enable ? 'on' : 'off'}: ${errorText(err)}`,
          problem: true,
        });
        setOn(await hasSandboxPermission().catch(() => false));
      })
      .finally(() => setBusy(false));
  }

  const links = on ? sandboxLinks(serverUrl) : [];

  return (
    <section aria-labelledby="sandbox-heading" className="sandbox">
      <h2 id="sandbox-heading">Sandbox pages</h2>
      <p id={hintId} className="hint">
        Practice pages that imitate Gmail, Outlook, HubSpot and Salesforce, served by a local Countersign server (
        <code>npm start</code>) under <code>/sandbox/</code>. Turning them on asks the browser for access to localhost.
      </p>
      <PermissionToggle label="Enable sandbox pages" describedBy={hintId} on={on} busy={busy} onToggle={onToggle} />
      {result && <output className={result.problem ? 'problem' : 'note'}>{result.text}</output>}
      {links.length > 0 && (
        <ul className="sandbox-links">
          {links.map((l) => (
            <li key={l.key}>
              <a href={l.href} target="_blank" rel="noreferrer">
                {l.label} sandbox
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
