import { useMemo } from 'react';
import { diffWords } from '../../lib/page/panel/diff';

/** Live word diff of the person's text against the AI's. */
export function DiffView({ before, after, label }: { before: string; after: string; label: string }) {
  const parts = useMemo(() => diffWords(before, after), [before, after]);
  const changed = parts.some((p) => p.op !== 'same');
  return (
    <section className="cs-diff" aria-label={label}>
      {changed
        ? parts.map((p, i) =>
            p.op === 'same' ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: parts are rebuilt on every change
              <span key={i}>{p.text}</span>
            ) : p.op === 'add' ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <ins key={i}>{p.text}</ins>
            ) : (
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <del key={i}>{p.text}</del>
            ),
          )
        : 'No changes yet.'}
    </section>
  );
}
