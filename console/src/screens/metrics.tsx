import {
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { adminRecentMetrics, type MetricsPoint, type RecentMetrics } from "../../../clients/typescript/index.ts";
import { authed } from "../session.ts";
import { ErrorBox, type Failure, failureOf, Loading, networkFailure, Page } from "../ui.tsx";

// Only the pieces drawn here, so the bundle carries no unused chart types.
Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

const REFRESH_MS = 10_000;

function label(point: MetricsPoint): string {
  return new Date(point.at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** One line chart; its canvas has a text alternative (the latest values) for screen readers. */
function LineChart(props: {
  readonly title: string;
  readonly points: readonly MetricsPoint[];
  readonly datasets: readonly { readonly label: string; readonly values: readonly (number | null)[] }[];
  readonly unit: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"line"> | undefined>(undefined);
  const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  useEffect(() => {
    if (!canvas.current) return;
    const color = dark ? "#d6dae0" : "#2b3340";
    chart.current = new Chart(canvas.current, {
      type: "line",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { color, maxTicksLimit: 6 }, grid: { color: dark ? "#333a44" : "#e3e6ea" } },
          y: { beginAtZero: true, ticks: { color }, grid: { color: dark ? "#333a44" : "#e3e6ea" } },
        },
        plugins: { legend: { labels: { color } } },
      },
    });
    return () => chart.current?.destroy();
  }, [dark]);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const palette = ["#2f6fde", "#d9480f", "#2b8a3e", "#ae3ec9", "#e67700", "#1098ad", "#c2255c"];
    c.data.labels = props.points.map(label);
    c.data.datasets = props.datasets.map(
      (d, i): ChartDataset<"line", (number | null)[]> => ({
        label: d.label,
        data: [...d.values],
        borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length],
        pointRadius: 0,
        borderWidth: 2,
        spanGaps: true,
      }),
    );
    c.update();
  }, [props.points, props.datasets]);
  const latest = props.datasets
    .map((d) => `${d.label}: ${d.values.at(-1)?.toFixed(2) ?? "no data"} ${props.unit}`)
    .join("; ");
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={`${props.title}. Latest: ${latest}`} />
      </div>
    </figure>
  );
}

/** Live charts of this instance over the last 15 minutes, refreshed every 10 seconds. */
export function Metrics() {
  const [data, setData] = useState<RecentMetrics | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const answer = await authed((init) => adminRecentMetrics(init));
        if (!live) return;
        const problem = failureOf(answer);
        setFailure(problem);
        if (answer.status === 200) setData(answer.data);
      } catch {
        if (live) setFailure(networkFailure);
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const points = data?.points ?? [];
  const tiers = [...new Set(points.flatMap((p) => Object.keys(p.rateLimited)))].sort();
  return (
    <Page title="Live metrics">
      <p class="muted">This instance, the last 15 minutes, one point every {data?.intervalSeconds ?? 10} seconds.</p>
      {failure && <ErrorBox failure={failure} />}
      {!data && !failure && <Loading what="metrics" />}
      {data && !data.enabled && (
        <p class="empty">Metrics are turned off on this server (ENABLE_METRICS=false): there is nothing to chart.</p>
      )}
      {data?.enabled && points.length === 0 && <p class="empty">The first points appear within 10 seconds.</p>}
      {data?.enabled && points.length > 0 && (
        <div class="charts">
          <LineChart
            title="Request rate"
            unit="req/s"
            points={points}
            datasets={[{ label: "requests/s", values: points.map((p) => p.requestsPerSecond) }]}
          />
          <LineChart
            title="Error rate (5xx)"
            unit="%"
            points={points}
            datasets={[{ label: "5xx %", values: points.map((p) => p.errorRate * 100) }]}
          />
          <LineChart
            title="p95 latency"
            unit="ms"
            points={points}
            datasets={[{ label: "p95 ms", values: points.map((p) => p.p95Ms) }]}
          />
          <LineChart
            title="429s per tier"
            unit="per interval"
            points={points}
            datasets={
              tiers.length === 0
                ? [{ label: "no 429s", values: points.map(() => 0) }]
                : tiers.map((t) => ({ label: t, values: points.map((p) => p.rateLimited[t] ?? 0) }))
            }
          />
        </div>
      )}
    </Page>
  );
}
