import { useSyncExternalStore } from 'react';
import { Panel } from '../../components/panel/Panel';
import type { PanelStore } from '../../lib/page/panel/store';
import type { ApplyOutcome } from '../../lib/page/panel/types';
import type { Content, Decision, Draft } from '../../lib/shared/schema';

/** Binds the props-driven panel to the content script's store (the worker connection). */
export function PanelHost({
  store,
  onApply,
  onCopy,
}: {
  store: PanelStore;
  onApply: (draft: Draft, content: Content, decision: Decision) => Promise<ApplyOutcome>;
  onCopy: (text: string) => Promise<void>;
}) {
  const s = useSyncExternalStore(store.subscribe, store.get);
  return (
    <Panel
      items={s.items}
      context={s.context}
      total={s.total}
      loading={s.loading}
      status={s.status}
      placement={s.placement}
      recent={s.recent}
      onCurrent={store.focusDraft}
      onPlacementChange={store.setPlacement}
      onCommit={(decision) => void store.commit(decision)}
      onHold={(decision, _draft, sendAfter) => void store.hold(decision, sendAfter)}
      onTakeBack={(id) => store.takeBack(id)}
      onApply={onApply}
      onCopy={onCopy}
    />
  );
}
