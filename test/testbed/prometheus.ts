// The testbed's Prometheus: Debian's `prometheus` package (its /usr/bin/prometheus binary only,
// never its system service), run as the testbed's own process on 127.0.0.1 with its config
// and TSDB in the run folder. It scrapes the service-metrics server, one target per cluster,
// every second, so a test sees a rate() over the last ten seconds.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ensureDebianPackages } from './debian.ts';
import { type Spawned, spawnDetached } from './proc.ts';
import type { TestbedState } from './state.ts';

export const PROMETHEUS_INSTALL = 'apt-get install -y --no-install-recommends prometheus';

/** $TESTBED_PROMETHEUS, else `prometheus` on PATH, installed from Debian's package when missing. */
export function prometheusBinary(log = (line: string) => console.error(`[testbed] ${line}`)): string {
  const given = process.env['TESTBED_PROMETHEUS'];
  if (given) {
    if (existsSync(given)) return given;
    throw new Error(`TESTBED_PROMETHEUS=${given}: no such file`);
  }
  const find = () => {
    const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
    return [...dirs, '/usr/bin'].map((d) => join(d, 'prometheus')).find((f) => existsSync(f));
  };
  const found = find();
  if (found) return found;
  ensureDebianPackages([{ command: 'prometheus', package: 'prometheus' }], log);
  const installed = find();
  if (installed) return installed;
  throw new Error(
    `the testbed needs a Prometheus server and none was found on PATH: install Debian's package ` +
      `(as root: ${PROMETHEUS_INSTALL}) or set TESTBED_PROMETHEUS to a prometheus binary`,
  );
}

/** The scrape config: one target per cluster, labelled with the cluster's name. */
export function prometheusConfig(serviceMetricsUrl: string, clusters: readonly string[]): unknown {
  const host = new URL(serviceMetricsUrl).host;
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      {
        job_name: 'service-metrics',
        honor_labels: true,
        static_configs: clusters.map((cluster) => ({
          targets: [host],
          labels: { cluster, __metrics_path__: `/metrics/${encodeURIComponent(cluster)}` },
        })),
      },
    ],
  };
}

/** Starts Prometheus on `port` (config as JSON, which is YAML too); wait on `<url>/-/ready`. */
export function startPrometheus(state: TestbedState, port: number, clusters: readonly string[]): Spawned {
  const dir = join(state.runDir, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  const config = prometheusConfig(state.prometheus.serviceMetricsUrl, clusters);
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--storage.tsdb.retention.time=1d`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  return spawnDetached('prometheus', state.prometheus.binary, args, { logDir: state.logDir, cwd: dir });
}
