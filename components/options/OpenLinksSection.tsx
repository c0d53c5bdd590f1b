import { useEffect, useId, useState } from 'react';
import { disableOpenLinks, enableOpenLinks, hasOpenLinkPermission } from '../../lib/client/open-link';
import { errorText } from '../../lib/shared/error-text';
import { PermissionToggle } from './PermissionToggle';

/**
 * "Open notification links in the dashboard" (issue 15, item 6). A notification's link goes to the
 * server's /open page, which decides nothing; with this on, the extension takes the person from there
 * to the dashboard's draft view. Turning it on asks the browser for access to the server's origin
 * (and `scripting`), for that server only (lib/client/open-link.ts, lib/worker/open-link.ts).
 */
export function OpenLinksSection({ serverUrl }: { serverUrl: string }) {
  const [on, setOn] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ text: string; problem: boolean } | null>(null);
  const hintId = useId();
  const origin = new URL(serverUrl).origin;

  useEffect(() => {
    let live = true;
    hasOpenLinkPermission(serverUrl).then(
      (granted) => live && setOn(granted),
      () => live && setOn(false),
    );
    return () => {
      live = false;
    };
  }, [serverUrl]);

  function onToggle(enable: boolean) {
    setBusy(true);
    setResult(null);
    // In the click's own turn, before any await: the permission prompt needs the user gesture.
    const work = enable
      ? enableOpenLinks(serverUrl).then((granted) => {
          setOn(granted);
          setResult(
            granted
              ? { text: `Links to ${origin}/open/… now open the draft in the dashboard.`, problem: false }
              : { text: `Links stay as they are: access to ${origin} was not granted.`, problem: true },
          );
        })
      : disableOpenLinks(serverUrl).then(() => {
          setOn(false);
          setResult({ text: 'Notification links no longer open the dashboard.', problem: false });
        });
    work
      .catch(async (err: unknown) => {
        setResult({ text: `Could not change it: ${errorText(err)}`, problem: true });
        setOn(await hasOpenLinkPermission(serverUrl).catch(() => false));
      })
      .finally(() => setBusy(false));
  }

  return (
    <section aria-labelledby="open-links-heading" className="open-links">
      <h2 id="open-links-heading">Notification links</h2>
      <p id={hintId} className="hint">
        Email and Slack notifications link to a page on your server that decides nothing. With this on, the extension
        opens the draft from there in its dashboard, where you review it. Asks the browser for access to{' '}
        <code>{origin}</code>.
      </p>
      <PermissionToggle
        label="Open notification links in the dashboard"
        describedBy={hintId}
        on={on}
        busy={busy}
        onToggle={onToggle}
      />
      {result && <output className={result.problem ? 'problem' : 'note'}>{result.text}</output>}
    </section>
  );
}
