/**
 * `npm run bench [-- options]`: runs the scenarios against Tincan and ncat side by side,
 * prints one JSON line per (server, scenario) run, then a markdown table.
 *
 *   [SCENARIO…] / --scenario room,saturate,big,scale,attack   which scenarios (default all
 *                                        five)
 *   tls                                  the TLS comparison: tls-saturate, tls-room and tls-attack
 *                                        with every client on TLS, against tincan, ref-c behind
 *                                        stunnel and ncat --ssl --chat (bench/README.md)
 *   cluster                              the cluster comparison: cluster-room and cluster-saturate
 *                                        on one node (tincan) and on 3 nodes + Redis (cluster)
 *   --server tincan,ncat,ref-node,ref-c,session,cluster  which servers (default tincan,ncat; attack: tincan,ref-c,ncat;
 *                                        the cluster scenarios: tincan,cluster; ref-* validate the
 *                                        generator)
 *   --quick                              short traffic phases and ncat budgets
 *   --duration SECONDS                   override every traffic phase's length
 *   --workers N                          load-generator processes (default 2)
 *   --from-source                        run main/headless/serve.ts via tsx instead of dist/main/serve.js
 *   --cpu-prof DIR                       run Tincan under node --cpu-prof, profiles into DIR
 *   --markdown FILE                      also write the table to FILE
 *
 * `npm run bench -- history [options]` runs the transcript-store benchmark instead (bench/history.ts).
 *
 * Progress goes to stderr; stdout carries only the JSON lines and the table.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runAttack } from './attack';
import { runLoad, type LoadResult } from './coordinator';
import { runHistoryBench } from './history';
import { allTargetsPass, renderTable, type RunRecord } from './report';
import { ALL_SCENARIOS, CLUSTER_SCENARIOS, defaultServers, planScenario, SCENARIOS, TLS_SCENARIOS, type ScenarioName } from './scenarios';
import { benchCertificate, type BenchCertificate, type ServerKind, type ServerOptions } from './servers';

const SERVERS: readonly ServerKind[] = ['tincan', 'ncat', 'ref-node', 'ref-c', 'session', 'cluster'];

interface Cli {
  scenarios: ScenarioName[];
  servers: ServerKind[];
  quick: boolean;
  durationMs?: number;
  workers: number;
  fromSource: boolean;
  cpuProfDir?: string;
  markdown?: string;
}

function parseCli(argv: string[]): Cli {
  const cli: Cli = { scenarios: [], servers: [], quick: false, workers: 2, fromSource: false };
  const value = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${argv[i]} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case 'cluster':
        cli.scenarios.push(...CLUSTER_SCENARIOS);
        break;
      case 'tls':
        cli.scenarios.push(...TLS_SCENARIOS);
        break;
      case '--scenario':
        for (const s of value(i++).split(',')) {
          if (!ALL_SCENARIOS.includes(s as ScenarioName)) throw new Error(`unknown scenario ${s} (${ALL_SCENARIOS.join(', ')})`);
          cli.scenarios.push(s as ScenarioName);
        }
        break;
      case '--server':
        for (const s of value(i++).split(',')) {
          if (!SERVERS.includes(s as ServerKind)) throw new Error(`unknown server ${s} (${SERVERS.join(', ')})`);
          cli.servers.push(s as ServerKind);
        }
        break;
      case '--quick':
        cli.quick = true;
        break;
      case '--duration':
        cli.durationMs = Number(value(i++)) * 1000;
        break;
      case '--workers':
        cli.workers = Number(value(i++));
        break;
      case '--from-source':
        cli.fromSource = true;
        break;
      case '--cpu-prof':
        cli.cpuProfDir = path.resolve(value(i++));
        break;
      case '--markdown':
        cli.markdown = path.resolve(value(i++));
        break;
      default:
        // `npm run bench -- attack`: a scenario named on its own
        if (ALL_SCENARIOS.includes(a as ScenarioName)) cli.scenarios.push(a as ScenarioName);
        else throw new Error(`unknown option ${a}`);
    }
  }
  if (cli.scenarios.length === 0) cli.scenarios = [...SCENARIOS];
  return cli;
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'history') {
    process.exitCode = (await runHistoryBench(argv.slice(1), log)).pass ? 0 : 1;
    return;
  }
  const cli = parseCli(argv);
  const records: RunRecord[] = [];
  // One certificate for every TLS server of the run, made when the first one needs it.
  const made: { certificate?: BenchCertificate } = {};
  try {
    for (const scenario of cli.scenarios) await runScenario(cli, scenario, records, () => (made.certificate ??= benchCertificate()));
  } finally {
    if (made.certificate) rmSync(made.certificate.dir, { recursive: true, force: true });
  }
  const table = renderTable(records);
  process.stdout.write(`\n${table}\n`);
  if (cli.markdown) writeFileSync(cli.markdown, `${table}\n`);
  process.exitCode = allTargetsPass(records) ? 0 : 1;
}

/** Runs one scenario against each of its servers, one after the other, appending the records. */
async function runScenario(cli: Cli, scenario: ScenarioName, records: RunRecord[], certificate: () => BenchCertificate): Promise<void> {
  for (const server of cli.servers.length > 0 ? cli.servers : defaultServers(scenario)) {
    const plan = planScenario(scenario, { quick: cli.quick, workers: cli.workers, server, ...(cli.durationMs ? { durationMs: cli.durationMs } : {}) });
    const serverOptions: ServerOptions = {
      kind: server,
      host: '127.0.0.1',
      maxClients: 0,
      fromSource: cli.fromSource,
      ...(plan.tls ? { tls: certificate() } : {}),
      ...((server === 'tincan' || server === 'cluster') && cli.cpuProfDir
        ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${cli.cpuProfDir}`, ...(server === 'tincan' ? [`--cpu-prof-name=tincan-${scenario}.cpuprofile`] : [])] }
        : {}),
    };
    log(`${scenario} on ${server}: ${plan.description}`);
    const record: RunRecord = {
      server,
      scenario,
      description: plan.description,
      quick: cli.quick,
      result: emptyResult(),
      storm10k: null,
      attack: null,
    };
    try {
      if (plan.storm) {
        log('  10,000-client join storm (fresh server)');
        record.storm10k = (await runLoad({ ...serverOptions, nodeFlags: [] }, plan.storm, log)).storm;
      }
      if (plan.attack) record.attack = await runAttack(serverOptions, plan.attack, log);
      if (plan.main) record.result = await runLoad(serverOptions, plan.main, log);
    } catch (err) {
      record.error = (err as Error).message.split('\n')[0];
      log(`  error: ${(err as Error).stack ?? String(err)}`);
    }
    records.push(record);
    process.stdout.write(`${JSON.stringify(record)}\n`);
  }
}

function emptyResult(): LoadResult {
  return {
    clients: 0,
    senders: 0,
    lineBytes: 0,
    load: { mode: 'idle' },
    storm: {
      target: 0,
      connected: 0,
      failed: 0,
      closedByServer: 0,
      connectMs: null,
      stormMs: null,
      notices: 0,
      expectedNotices: 0,
      noticesExact: false,
      budgetExceeded: false,
      budgetMs: 0,
      errors: [],
      generatorBusiest: 0,
      listenOverflows: null,
      synRetransmits: null,
      reads: 0,
      bytes: 0,
    },
    traffic: null,
    rssKiB: { before: null, connected: null, end: null },
    rssPerClientKiB: null,
    serverCpuS: null,
    serverFdsBefore: null,
    serverFdLimit: null,
    serverDied: false,
    serverReport: null,
    notes: [],
    cluster: null,
  };
}

main().catch((err: unknown) => {
  log((err as Error).stack ?? String(err));
  process.exit(2);
});
