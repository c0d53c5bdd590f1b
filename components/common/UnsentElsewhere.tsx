import type { UnsentAccount } from '../../lib/shared/schema/protocol';

/** "3 decisions for Maya on http://127.0.0.1:8787 not yet sent": one line per account. */
export function unsentLine(a: UnsentAccount): string {
  return `${a.count} decision${a.count === 1 ? '' : 's'} for ${a.userName || a.userId} on ${a.serverUrl} not yet sent`;
}

/**
 * Decisions saved in this browser for another account (another person or server, or made before a
 * Disconnect), kept and sent when that account connects again (issue 13 item 5): never silently dropped.
 */
export function UnsentElsewhere({ accounts }: { accounts: readonly UnsentAccount[] | undefined }) {
  if (!accounts?.length) return null;
  return (
    <section aria-labelledby="unsent-elsewhere-heading" className="unsent-elsewhere">
      <h2 id="unsent-elsewhere-heading">Decisions kept for another account</h2>
      <ul>
        {accounts.map((a) => (
          <li key={`${a.serverUrl}|${a.userId}`} data-testid="unsent-elsewhere">
            {unsentLine(a)}.
          </li>
        ))}
      </ul>
      <p className="note">They stay in this browser and are sent when that person connects to that server again.</p>
    </section>
  );
}
