import { afterEach, describe, expect, it } from 'vitest';
import { AutonomyCard } from '../../components/dashboard/AutonomyCard';
import type { PolicyView } from '../../lib/shared/policy/autonomy';
import { proposeGraduation } from '../../lib/shared/policy/autonomy';
import { syntheticItems } from '../../lib/shared/policy/simulate';
import { type Mounted, mount } from './panel-helpers';

// The dashboard's autonomy card (issue 16): which model version's evidence counts, and the earlier
// versions' evidence apart, not counted.

const NOW = Date.parse('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const policy: PolicyView = {
  workflow: 'outbound-email',
  level: 'review_all',
  autoThreshold: 0.98,
  reviewThreshold: 0.7,
  falseAutoTarget: 0.02,
};

let mounted: Mounted | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
});

const text = () => mounted!.container.textContent ?? '';

describe('AutonomyCard and model versions', () => {
  it('shows the counted version and the earlier evidence apart after a model change', () => {
    const old = syntheticItems({
      n: 150,
      seed: 3,
      start: new Date(NOW - 20 * DAY).toISOString(),
      days: 5,
      accuracy: () => 0.97,
      modelVersion: 'writer@1',
    });
    const fresh = syntheticItems({
      n: 12,
      seed: 4,
      start: new Date(NOW - 2 * DAY).toISOString(),
      days: 1,
      accuracy: () => 0.97,
      modelVersion: 'writer@2',
    });
    const autonomy = proposeGraduation([...old, ...fresh], policy, { now: NOW });
    mounted = mount(<AutonomyCard autonomy={autonomy} accept={async () => {}} />);
    expect(mounted.container.querySelector('[data-testid="model-version"]')?.textContent).toBe('writer@2');
    expect(text()).toContain('a new model version earns autonomy again');
    expect(text()).toContain('12 of the 100 reviews needed.');
    const earlier = mounted.container.querySelector('.earlier-evidence');
    expect(earlier?.textContent).toContain('Earlier evidence (not counted), from writer@1');
    // The earlier version's 150 reviews are shown there, not in the count.
    const reviews = [...(earlier?.querySelectorAll('dt') ?? [])].find((dt) => dt.textContent === 'reviews');
    expect(reviews?.nextElementSibling?.textContent).toBe('150');
    expect(mounted.container.querySelector('button')).toBeNull();
  });

  it('without a model change: one version, no earlier evidence, graduation offered', () => {
    const items = syntheticItems({
      n: 150,
      seed: 5,
      start: new Date(NOW - 20 * DAY).toISOString(),
      days: 5,
      accuracy: () => 0.97,
      modelVersion: 'writer@1',
    });
    const autonomy = proposeGraduation(items, policy, { now: NOW });
    mounted = mount(<AutonomyCard autonomy={autonomy} accept={async () => {}} />);
    expect(mounted.container.querySelector('[data-testid="model-version"]')?.textContent).toBe('writer@1');
    expect(mounted.container.querySelector('.earlier-evidence')).toBeNull();
    expect(mounted.container.querySelector('button')?.textContent).toBe('Graduate to Review exceptions');
  });
});
