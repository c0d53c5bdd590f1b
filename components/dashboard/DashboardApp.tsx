import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { browser } from 'wxt/browser';
import { serverClient } from '../../lib/client/api';
import type { ApiClient } from '../../lib/shared/api-client';
import { errorText } from '../../lib/shared/error-text';
import type { Me } from '../../lib/shared/schema';
import type {
  AutonomyOut,
  Calibration,
  Metrics,
  Recommendation,
  WorkflowSummary,
} from '../../lib/shared/schema/governance';
import { AccountabilitySection } from './AccountabilitySection';
import { AlertsSection } from './AlertsSection';
import { AutonomyCard } from './AutonomyCard';
import { BreakdownTable } from './BreakdownTable';
import { CalibrationJudging } from './CalibrationJudging';
import { CalibrationSessions } from './CalibrationSessions';
import { DraftReview, extensionWorker, OpenDraftForm, whoAmI } from './DraftReview';
import { pct } from './format';
import { MetricCards } from './MetricCards';
import { PageHealthSection } from './PageHealthSection';
import { PolicyControls, type PolicyPatch } from './PolicyControls';
import { ReliabilityDiagram } from './ReliabilityDiagram';
import { ReviewerTable } from './ReviewerTable';
import { TeamChannelsSection } from './TeamChannelsSection';
import { ThresholdSimulator } from './ThresholdSimulator';
import { TrendChart } from './TrendChart';
import { WebhooksSection } from './WebhooksSection';

const WINDOWS = [
  { label: 'Last 7 days', days: 7 },
  { label: 'Last 30 days', days: 30 },
  { label: 'Last 90 days', days: 90 },
  { label: 'All time', days: 0 },
] as const;

interface Data {
  metrics: Metrics;
  calibration: Calibration;
  recommendation: Recommendation;
  autonomy: AutonomyOut;
}

function sinceFor(days: number): string | undefined {
  return days > 0 ? new Date(Date.now() - days * 86_400_000).toISOString() : undefined;
}

/**
 * The dashboard. `?draft=<id>` (a notification link, through the server's /open page) shows that one
 * draft for review (DraftReview); otherwise the governance dashboard (issue 6) for admins, and
 * calibration sessions for reviewers. Reads the connection the options page stored.
 */
export function DashboardApp() {
  const draftId = new URLSearchParams(location.search).get('draft');
  return draftId ? <DraftPage draftId={draftId} /> : <GovernanceApp />;
}

function DraftPage({ draftId }: { draftId: string }) {
  const [ctx, setCtx] = useState<{ client: ApiClient; me: Me } | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  useEffect(() => {
    serverClient()
      .then(async (client) => setCtx({ client, me: await whoAmI(client, extensionWorker) }))
      .catch((e: unknown) => setFatal(errorText(e)));
  }, []);
  return (
    <main className="dashboard">
      <header>
        <h1>Countersign: review a draft</h1>
        <OpenDraftForm initial={draftId} />
      </header>
      {fatal ? (
        <>
          <p className="error" role="alert">
            {fatal}
          </p>
          <p>
            <a href={browser.runtime.getURL('/options.html')}>Open the settings</a> and connect to your Countersign
            server.
          </p>
        </>
      ) : ctx ? (
        <DraftReview draftId={draftId} client={ctx.client} me={ctx.me} worker={extensionWorker} />
      ) : (
        <p aria-busy="true">Connecting…</p>
      )}
    </main>
  );
}

function GovernanceApp() {
  const [client, setClient] = useState<(ApiClient & { token: string }) | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const [workflow, setWorkflow] = useState<string>('');
  const [days, setDays] = useState<number>(30);
  const [modelVersion, setModelVersion] = useState<string>('');
  const [data, setData] = useState<Data | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [role, setRole] = useState<string | null>(null);
  // Bumped when a calibration session starts or closes, or the admin judges in one: both lists reload.
  const [calibrationChanged, setCalibrationChanged] = useState(0);
  const calibrationChange = useCallback(() => setCalibrationChanged((n) => n + 1), []);
  const wfId = useId();
  const winId = useId();
  const mvId = useId();

  useEffect(() => {
    serverClient()
      .then(async (c) => {
        setClient(c);
        // Reviewers come here for calibration sessions only (governance is admin-only).
        const me = await c.call('me');
        setRole(me.role);
        if (me.role !== 'admin') return;
        const list = await c.call('governanceWorkflows');
        setWorkflows(list.workflows);
        const params = new URLSearchParams(location.search);
        const wanted = params.get('workflow');
        const first = list.workflows.find((w) => w.workflow === wanted) ?? list.workflows[0];
        if (first) setWorkflow(first.workflow);
      })
      .catch((e: unknown) => setFatal(errorText(e)));
  }, []);

  const policy = workflows.find((w) => w.workflow === workflow) ?? null;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `reload` forces a refetch after a policy change.
  useEffect(() => {
    if (!client || !workflow) return;
    let live = true;
    setLoading(true);
    const since = sinceFor(days);
    const params = { workflow };
    Promise.all([
      client.call('metrics', { query: { workflow, since } }),
      client.call('calibration', { params, query: { since, modelVersion: modelVersion || undefined } }),
      client.call('recommendation', { params, query: { since, target: policy?.falseAutoTarget } }),
      client.call('autonomy', { params }),
    ])
      .then(([metrics, calibration, recommendation, autonomy]) => {
        if (!live) return;
        setData({ metrics, calibration, recommendation, autonomy });
        setError(null);
      })
      .catch((e: unknown) => live && setError(errorText(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [client, workflow, days, reload, policy?.falseAutoTarget, modelVersion]);

  const simulate = useCallback(
    (auto: number, review: number) => {
      if (!client) return Promise.reject(new Error('Not connected'));
      return client.call('simulate', {
        params: { workflow },
        query: { autoThreshold: auto, reviewThreshold: review, since: sinceFor(days) },
      });
    },
    [client, workflow, days],
  );

  const refreshWorkflows = useCallback(async () => {
    if (!client) return;
    const list = await client.call('governanceWorkflows');
    setWorkflows(list.workflows);
    setReload((n) => n + 1);
  }, [client]);

  const apply = useMemo(
    () =>
      client && workflow
        ? async (autoThreshold: number, reviewThreshold: number) => {
            await client.call('putWorkflow', { params: { workflow }, body: { autoThreshold, reviewThreshold } });
            await refreshWorkflows();
          }
        : undefined,
    [client, workflow, refreshWorkflows],
  );

  async function savePolicy(patch: PolicyPatch) {
    if (!client) return;
    await client.call('putWorkflow', { params: { workflow }, body: patch });
    await refreshWorkflows();
  }

  async function evaluate() {
    if (!client) throw new Error('Not connected');
    const r = await client.call('evaluate', { params: { workflow } });
    await refreshWorkflows();
    return r;
  }

  async function plantCanaries(count: number) {
    if (!client) throw new Error('Not connected');
    return (await client.call('plantCanaries', { params: { workflow }, body: { count } })).created;
  }

  async function accept() {
    if (!client || !data?.autonomy.proposal) return;
    await client.call('acceptAutonomy', { params: { workflow }, body: { to: data.autonomy.proposal.to } });
    await refreshWorkflows();
  }

  async function download() {
    if (!client) return;
    const url = client.url('exportFeedback', { query: { workflow, since: sinceFor(days) } });
    const res = await fetch(url, { headers: { authorization: `Bearer ${client.token}` }, credentials: 'omit' });
    const blob = await res.blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `feedback-${workflow}.jsonl`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  if (fatal)
    return (
      <main className="dashboard">
        <h1>Countersign governance</h1>
        <p className="error" role="alert">
          {fatal}
        </p>
        <p>
          <a href={browser.runtime.getURL('/options.html')}>Open the settings</a> and connect with an admin token.
        </p>
      </main>
    );

  if (client && role && role !== 'admin')
    return (
      <main className="dashboard">
        <h1>Countersign calibration</h1>
        <OpenDraftForm />
        <CalibrationJudging client={client} />
      </main>
    );

  const rec = data?.recommendation ?? null;
  return (
    <main className="dashboard" aria-busy={loading}>
      <header>
        <h1>Countersign governance</h1>
        <OpenDraftForm />
        <div className="controls">
          <label htmlFor={wfId}>Workflow</label>
          <select id={wfId} value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
            {workflows.map((w) => (
              <option key={w.workflow} value={w.workflow}>
                {w.workflow} ({w.drafts})
              </option>
            ))}
          </select>
          <label htmlFor={winId}>Window</label>
          <select id={winId} value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {WINDOWS.map((w) => (
              <option key={w.days} value={w.days}>
                {w.label}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void download()} disabled={!workflow}>
            Export feedback (JSONL)
          </button>
        </div>
        {policy && (
          <p className="policy">
            Policy: auto at {pct(policy.autoThreshold)} and above, manual below {pct(policy.reviewThreshold)}, target{' '}
            {pct(policy.falseAutoTarget, 1)} false auto-approvals, canaries {pct(policy.canaryRate)} of queues
            {policy.autoAdjust ? ', thresholds adjusted automatically' : ''}.
          </p>
        )}
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {workflows.length === 0 && !fatal && <p className="empty">No workflows yet: post drafts to the server first.</p>}
      {data && (
        <>
          {client && <AlertsSection client={client} />}
          <section aria-labelledby="h-metrics">
            <h2 id="h-metrics">Metrics</h2>
            <MetricCards m={data.metrics.overall} />
          </section>
          {client && <PageHealthSection client={client} workflow={workflow} days={days} />}
          <div className="two">
            <section aria-labelledby="h-cal">
              <h2 id="h-cal">Calibration</h2>
              <p className="controls">
                <label htmlFor={mvId}>Model version</label>
                <select id={mvId} value={modelVersion} onChange={(e) => setModelVersion(e.target.value)}>
                  <option value="">All</option>
                  {Object.keys(data.metrics.byModelVersion)
                    .filter((v) => v !== '(unknown)')
                    .map((v) => (
                      <option key={v} value={v}>
                        {v}
                      </option>
                    ))}
                </select>
              </p>
              {data.calibration.warning && <p className="warning">{data.calibration.warning}</p>}
              <ReliabilityDiagram calibration={data.calibration} />
            </section>
            <section aria-labelledby="h-rec">
              <h2 id="h-rec">Recommendation</h2>
              <dl className="recommendation" data-testid="recommendation">
                <div>
                  <dt>Auto threshold</dt>
                  <dd>{rec?.autoThreshold == null ? 'none yet' : pct(rec.autoThreshold)}</dd>
                </div>
                <div>
                  <dt>Review threshold</dt>
                  <dd>{pct(rec?.reviewThreshold)}</dd>
                </div>
                <div>
                  <dt>Expected false auto-approvals</dt>
                  <dd>
                    {pct(rec?.expectedFalseAutoRate, 2)}
                    {rec?.falseAutoUpperBound != null && <small> (at most {pct(rec.falseAutoUpperBound, 1)})</small>}
                  </dd>
                </div>
                <div>
                  <dt>Expected auto-approval rate</dt>
                  <dd>{pct(rec?.expectedAutoRate)}</dd>
                </div>
              </dl>
              <ul className="reasons">
                {rec?.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              <h3>Autonomy</h3>
              <AutonomyCard autonomy={data.autonomy} accept={accept} />
            </section>
          </div>
          <section aria-labelledby="h-sim">
            <h2 id="h-sim">Threshold simulator</h2>
            <ThresholdSimulator
              autoThreshold={policy?.autoThreshold ?? 0.98}
              reviewThreshold={policy?.reviewThreshold ?? 0.7}
              target={rec?.target ?? policy?.falseAutoTarget ?? 0.02}
              recommendation={rec}
              simulate={simulate}
              apply={apply}
            />
          </section>
          <section aria-labelledby="h-rev">
            <h2 id="h-rev">Reviewers</h2>
            <ReviewerTable reviewers={data.metrics.reviewers} agreement={data.metrics.agreement} />
            {policy && (
              <>
                <h3>Vigilance and automation</h3>
                <PolicyControls policy={policy} save={savePolicy} evaluate={evaluate} plantCanaries={plantCanaries} />
              </>
            )}
          </section>
          {client && (
            <section aria-labelledby="h-calsessions">
              <h2 id="h-calsessions">Calibration sessions</h2>
              <CalibrationSessions
                client={client}
                workflow={workflow}
                candidates={data.metrics.reviewers.map((r) => r.userId)}
                changed={calibrationChanged}
                onChange={calibrationChange}
              />
            </section>
          )}
          {client && (
            // An admin chosen as a judge judges here, as blind as anyone (the results wait for the close).
            <CalibrationJudging client={client} admin changed={calibrationChanged} onSaved={calibrationChange} />
          )}
          {client && <AccountabilitySection client={client} workflow={workflow} days={days} />}
          {client && workflow && <TeamChannelsSection client={client} workflow={workflow} />}
          <section aria-labelledby="h-break">
            <h2 id="h-break">By segment and model version</h2>
            <BreakdownTable label="Segment" sets={data.metrics.bySegment} />
            <BreakdownTable label="Model version" sets={data.metrics.byModelVersion} />
          </section>
          <section aria-labelledby="h-trend">
            <h2 id="h-trend">Trends</h2>
            <TrendChart daily={data.metrics.daily} />
          </section>
        </>
      )}
      {client && <WebhooksSection client={client} />}
    </main>
  );
}
