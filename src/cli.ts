import { Command, Help, Option } from 'commander';
import { FLAGS, GROUPS, type FlagName } from './model/flags.js';

/**
 * The command tree. Each action lazy-imports its module (`--help` loads commander and this file only).
 * A command module exports `run(ctx, flags, args): Promise<CommandResult>`.
 */
export type Loader = () => Promise<{ run: (ctx: never, flags: never, args: string[]) => Promise<unknown> }>;
export type Dispatch = (name: string, load: Loader, flags: Record<string, unknown>, args: string[]) => Promise<void>;

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

function addFlags(cmd: Command, names: readonly FlagName[]): Command {
  for (const n of names) {
    const spec = FLAGS[n];
    const opt = new Option(spec.flags, spec.description);
    if ('repeatable' in spec && spec.repeatable) opt.argParser(collect);
    cmd.addOption(opt);
  }
  return cmd;
}

type GroupName = keyof typeof GROUPS;
function flagsOf(groups: GroupName[], extra: FlagName[] = []): FlagName[] {
  return [...new Set([...groups.flatMap((g) => GROUPS[g] as readonly FlagName[]), ...extra])];
}

export interface ProgramIO {
  writeOut(s: string): void;
  writeErr(s: string): void;
}

/** Shown under each command's --help (the README has the same ones). */
const EXAMPLES: Record<string, string[]> = {
  init: [
    'wif init',
    'wif init --yes --context prod --project my-proj --ksa backend/api --role roles/storage.objectViewer --out k8s/ --apply-manifests',
  ],
  detect: ['wif detect', 'wif detect --context eks --output json'],
  'pool ensure': ['wif pool ensure --project my-proj --pool prod-clusters --display-name "Prod clusters" --yes'],
  'provider ensure': ['wif provider ensure --context prod --pool prod-clusters --provider prod --mapping-preset kubernetes --allow-namespace backend --dry-run'],
  grant: [
    'wif grant --ksa backend/api --ksa backend/worker --role roles/storage.objectViewer --yes',
    'wif grant --ksa backend/api --service-account api@my-proj.iam.gserviceaccount.com --create-service-account --role roles/pubsub.publisher --yes',
    'wif grant --namespace batch --role roles/bigquery.jobUser --dry-run',
  ],
  revoke: ['wif revoke --ksa backend/worker --role roles/storage.objectViewer --yes'],
  render: [
    'wif render all --project-number 123456789012 --pool k8s-pool --provider prod --ksa backend/api --out k8s/',
    'wif render cred-config > credential-configuration.json',
    'wif render patch --kind Deployment --name api --namespace backend --container api',
    'wif render credential-provider --kubernetes-version 1.34 --registry us-docker.pkg.dev',
  ],
  verify: ['wif verify', 'wif verify --ksa backend/api --pod api-7d9 --wait 2m --output json'],
  doctor: ['wif doctor', 'wif doctor --output json'],
  'jwks diff': ['wif jwks diff || wif jwks sync --yes'],
  'jwks sync': ['wif jwks sync --dry-run', 'wif jwks sync --prune --yes'],
  explain: ['wif explain --ksa default/default', 'wif explain --mapping-preset kubernetes --allow-namespace backend --token token.jwt --output json'],
  export: ['wif export --format gcloud --out setup.sh', 'wif export --format terraform --live --out infra/'],
  'sandbox start': ['wif sandbox start --state-dir .wif-sandbox', 'wif sandbox start --state-dir /tmp/sb --fail-rate 0.2 --conflict-rate 0.5 --latency 50'],
};

export function buildProgram(dispatch: Dispatch, version: string, out: ProgramIO): Command {
  const program = new Command('wif')
    // Set before subcommands are added so they inherit it: parse errors throw instead of exiting.
    .exitOverride()
    .configureOutput({ writeOut: out.writeOut, writeErr: out.writeErr, outputError: () => {} })
    .description('Set up Google Cloud Workload Identity Federation for Kubernetes workloads (AKS, EKS, GKE, self-hosted).')
    .version(version, '--version', 'print the version')
    .addOption(new Option('--output <format>', 'text | json').choices(['text', 'json']).default('text'))
    .addOption(new Option('--json', 'alias for --output json'))
    .option('--config <file>', 'wif.yaml to read and update', './wif.yaml')
    .option('--verbose', 'more detail, and stack traces for unexpected errors')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .configureHelp({
      showGlobalOptions: true, sortSubcommands: false,
      // A leaf whose options are not built yet still lists as `NAME [options]`.
      subcommandTerm(this: Help, c: Command) {
        const term = Help.prototype.subcommandTerm.call(this, c);
        return pending.has(c) ? term.replace(c.name(), `${c.name()} [options]`) : term;
      },
    });

  // A leaf's options are built only when commander dispatches to it (its parent's preSubcommand hook), not on
  // every start: `wif --help` and each command skip ~400 Option objects (bench/RESULTS.md).
  const pending = new Map<Command, () => void>();
  const hooked = new Set<Command>();
  const materialize = (_parent: Command, sub: Command) => {
    pending.get(sub)?.();
    pending.delete(sub);
  };
  const leaf = (parent: Command, name: string, desc: string, flags: FlagName[], load: Loader, setup?: (c: Command) => void) => {
    const cmd = parent.command(name).description(desc);
    const id = parent === program ? cmd.name() : `${parent.name()} ${cmd.name()}`;
    pending.set(cmd, () => {
      addFlags(cmd, flags);
      setup?.(cmd);
      const ex = EXAMPLES[id];
      if (ex) cmd.addHelpText('after', `\nExamples:\n${ex.map((l) => `  $ ${l}`).join('\n')}\n`);
    });
    if (!hooked.has(parent)) parent.hook('preSubcommand', materialize);
    hooked.add(parent);
    cmd.action(async (...a: unknown[]) => {
      const c = a[a.length - 1] as Command;
      await dispatch(id, load, c.optsWithGlobals(), c.args);
    });
    return cmd;
  };

  leaf(program, 'init', 'the wizard: detect, plan, apply, render, verify, and write wif.yaml',
    flagsOf(['cluster', 'google', 'mutating', 'identity', 'access', 'workload'], ['wait']),
    () => import('./commands/init.js'),
    (c) => c.option('--no-verify', 'skip the final verify').option('--apply-manifests', 'kubectl apply the rendered manifests'));

  leaf(program, 'detect', 'which platform the current context is, its issuer, and whether the JWKS must be uploaded',
    flagsOf(['cluster'], ['platform', 'accessTokenFile']), () => import('./commands/detect.js'));

  const pool = program.command('pool').description('workload identity pools');
  leaf(pool, 'ensure', 'create the pool if absent, undelete it if soft-deleted, repair drift',
    flagsOf(['google', 'mutating'], ['pool']), () => import('./commands/pool-ensure.js'),
    (c) => c.option('--display-name <name>', 'pool display name (≤32 characters)').option('--description <text>', 'pool description (≤256 characters)'));

  const provider = program.command('provider').description('workload identity pool providers');
  leaf(provider, 'ensure', 'create or repair the OIDC provider: issuer, JWKS, mapping, condition, audiences',
    flagsOf(['cluster', 'google', 'mutating', 'identity'], ['force']), () => import('./commands/provider-ensure.js'),
    (c) => c.option('--display-name <name>', 'provider display name (≤32 characters)').option('--description <text>', 'provider description (≤256 characters)'));

  leaf(program, 'grant', 'grant IAM access to Kubernetes service accounts (direct or by impersonation)',
    flagsOf(['cluster', 'google', 'mutating', 'access'], ['platform', 'pool', 'provider', 'projectNumber']), () => import('./commands/grant.js'));
  leaf(program, 'revoke', 'remove what grant added',
    flagsOf(['cluster', 'google', 'mutating', 'access'], ['platform', 'pool', 'provider', 'projectNumber']), () => import('./commands/revoke.js'));

  leaf(program, 'render [kind]', 'write files offline: cred-config | configmap | serviceaccount | pod | patch | credential-provider | all',
    flagsOf(['identity', 'workload'], ['project', 'ksa', 'namespace', 'serviceAccount']), () => import('./commands/render.js'),
    (c) => c
      .option('--kind <kind>', 'patch: Deployment | StatefulSet | DaemonSet | Job | CronJob')
      .option('--name <name>', 'patch: the workload to patch; pod: the pod name (default wif-verify)')
      .option('--container <name>', 'patch: a container to give the token and env (repeatable; default: read from --from)', collect)
      .option('--from <file>', "patch: the workload's manifest, to read its container names")
      .option('--image <image>', 'pod: the container image (default google/cloud-sdk:slim, which has gcloud)')
      .option('--kubernetes-version <v>', 'credential-provider: the cluster version, e.g. 1.33')
      .option('--registry <host>', 'credential-provider: Artifact Registry host, e.g. us-docker.pkg.dev (repeatable)', collect));

  leaf(program, 'verify', 'prove it works, stage by stage, naming the failing stage and its fix',
    flagsOf(['cluster', 'google'], ['ksa', 'platform', 'pool', 'provider', 'serviceAccount', 'tokenPath', 'projectNumber', 'wait']), () => import('./commands/verify.js'),
    (c) => c.option('--pod <name>', 'also run `gcloud auth print-access-token` inside this pod').option('--print-token', 'print the access token'));

  leaf(program, 'doctor', 'read-only diff of wif.yaml against reality, with least-privilege lint',
    flagsOf(['cluster', 'google']), () => import('./commands/doctor.js'));

  const jwks = program.command('jwks').description('uploaded JWKS (private issuers)');
  leaf(jwks, 'diff', "compare the cluster's JWKS with the provider's uploaded keys (exit 1 on drift)",
    flagsOf(['cluster', 'google'], ['pool', 'provider']), () => import('./commands/jwks.js').then((m) => ({ run: m.runDiff })),
    (c) => c.option('--prune', 'also count uploaded keys the cluster no longer serves as drift'));
  leaf(jwks, 'sync', 'upload the union of current and still-trusted keys',
    flagsOf(['cluster', 'google', 'mutating'], ['pool', 'provider']), () => import('./commands/jwks.js').then((m) => ({ run: m.runSync })),
    (c) => c.option('--prune', 'drop keys the cluster no longer serves'));

  leaf(program, 'explain', 'offline: evaluate the mapping and condition against a token or a KSA',
    flagsOf([], ['platform', 'pool', 'provider', 'projectNumber', 'project', 'attributeMapping', 'mappingPreset', 'attributeCondition', 'allowNamespace', 'allowKsa', 'issuerUri', 'ksa']), () => import('./commands/explain.js'),
    (c) => c.option('--token <file>', 'a JWT (decoded only; the signature is not checked)'));

  leaf(program, 'export', 'the setup in wif.yaml as a gcloud script or Terraform',
    flagsOf(['google'], ['out', 'jwksFile', 'projectNumber']), () => import('./commands/export.js'),
    (c) => c.addOption(new Option('--format <format>', 'gcloud | terraform').choices(['gcloud', 'terraform']).makeOptionMandatory())
      .option('--live', "also read Google: embed the provider's uploaded JWKS, import only what exists"));

  const sandbox = program.command('sandbox').description('the local sandbox of Google, Kubernetes, EKS, AKS and GKE APIs');
  leaf(sandbox, 'start', 'start the sandbox in the foreground until SIGINT/SIGTERM', [], () => import('./commands/sandbox-start.js'),
    (c) => c
      .option('--state-dir <dir>', 'where to write env, kubeconfig, CA and tokens', '.wif-sandbox')
      .option('--port <n>', 'port of the Google API endpoint (default: random)')
      .option('--latency <ms>', 'added latency per request')
      .option('--fail-rate <r>', 'fraction of Google API requests answered 503')
      .option('--conflict-rate <r>', 'fraction of setIamPolicy calls answered 409 ABORTED'));

  return program;
}
