/**
 * Windows: why others may not be able to join, read from the system. Windows decides per
 * network: each connection is Public, Private or Domain ("network category"), and Windows
 * Firewall has a profile per category, with the rules Windows wrote for Tincan when it asked
 * (or the installer wrote) listing which profiles they cover. A room on a Public network, or
 * with Tincan blocked or not allowed for the network's profile, cannot be joined, and the
 * host sees nothing wrong.
 *
 * One PowerShell run prints the connection profiles, the firewall profiles and Tincan's
 * rules as tab-separated lines; its output is untrusted (bounded by runBounded, every line
 * checked, unknown lines ignored), and anything unexpected means "cannot tell".
 */
import type { Advice } from '../../common/rooms';

/** PowerShell takes a second or more to start; the check runs after hosting started, so waiting costs nothing. */
export const WINDOWS_CHECK_TIMEOUT_MS = 8000;
/** The environment variable that carries the program path into the script (never spliced into its text). */
export const PROGRAM_VARIABLE = 'TINCAN_PROGRAM';

const MARKERS = { profiles: '[tincan-profiles]', firewall: '[tincan-firewall]', rules: '[tincan-rules]', end: '[tincan-end]' } as const;

/**
 * What PowerShell runs. Output is UTF-8 (interface names may be in any language); errors are
 * silenced, so a missing cmdlet leaves its section empty rather than failing the whole run.
 */
export const WINDOWS_CHECK_SCRIPT = [
  '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
  "$ErrorActionPreference = 'SilentlyContinue'",
  `'${MARKERS.profiles}'`,
  'Get-NetConnectionProfile | ForEach-Object { "$($_.InterfaceAlias)`t$($_.NetworkCategory)" }',
  `'${MARKERS.firewall}'`,
  'Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object { "$($_.Name)`t$($_.Enabled)`t$($_.DefaultInboundAction)" }',
  `'${MARKERS.rules}'`,
  // ActiveStore: the rules in force, Group Policy's included, not only this machine's own list.
  `Get-NetFirewallApplicationFilter -PolicyStore ActiveStore -Program $env:${PROGRAM_VARIABLE} | Get-NetFirewallRule | ForEach-Object { "$($_.Direction)\`t$($_.Action)\`t$($_.Enabled)\`t$($_.Profile)\`t$(($_ | Get-NetFirewallPortFilter).Protocol)" }`,
  `'${MARKERS.end}'`,
].join('\n');

export type FirewallProfileName = 'Domain' | 'Private' | 'Public';
const PROFILE_NAMES: readonly FirewallProfileName[] = ['Domain', 'Private', 'Public'];

export interface ConnectionProfile {
  interfaceAlias: string;
  /** The firewall profile that applies to this connection. */
  profile: FirewallProfileName;
}

export interface FirewallProfileState {
  name: FirewallProfileName;
  enabled: boolean;
  /** Inbound connections are allowed unless a rule blocks them (rare; the default blocks). */
  defaultAllowsInbound: boolean;
}

export interface AppFirewallRule {
  inbound: boolean;
  allow: boolean;
  enabled: boolean;
  profiles: FirewallProfileName[];
  /** Covers TCP (the chat itself): protocol TCP or Any. */
  tcp: boolean;
}

export interface WindowsNetworkReport {
  connections: ConnectionProfile[];
  firewall: FirewallProfileState[];
  rules: AppFirewallRule[];
}

/** More than any real machine has; the rest of a longer answer is ignored. */
export const REPORT_LIMITS = { maxConnections: 32, maxRules: 256, maxLineChars: 512 } as const;

function category(text: string): FirewallProfileName | null {
  // NetworkCategory prints as a name; older systems may print its number.
  switch (text) {
    case 'Public':
    case '0':
      return 'Public';
    case 'Private':
    case '1':
      return 'Private';
    case 'DomainAuthenticated':
    case '2':
      return 'Domain';
    default:
      return null;
  }
}

/** "Domain, Private", "Any", "Public": the profiles a rule applies to, or null when unreadable. */
function ruleProfiles(text: string): FirewallProfileName[] | null {
  if (text === 'Any') return [...PROFILE_NAMES];
  const names = text.split(',').map((name) => name.trim());
  return names.every((name): name is FirewallProfileName => (PROFILE_NAMES as readonly string[]).includes(name)) ? names : null;
}

function bool(text: string): boolean | null {
  return text === 'True' ? true : text === 'False' ? false : null;
}

/** A printable interface name: no control characters, not absurdly long. */
function cleanAlias(text: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  return text.length > 0 && text.length <= 256 && !/[\u0000-\u001f\u007f]/.test(text) ? text : null;
}

/**
 * Reads the script's output. Null when it is not the script's answer at all (the run failed,
 * timed out, or printed something else): all three section markers and the end marker, in order.
 */
export function parseWindowsNetworkReport(output: string): WindowsNetworkReport | null {
  const lines = output.replace(/^\uFEFF/, '').split(/\r?\n/);
  const order = [MARKERS.profiles, MARKERS.firewall, MARKERS.rules, MARKERS.end];
  const positions = order.map((marker) => lines.findIndex((line) => line.trim() === marker));
  if (positions.some((position, index) => position < 0 || (index > 0 && position < positions[index - 1]!))) return null;
  const section = (index: number): string[] =>
    lines.slice(positions[index]! + 1, positions[index + 1]).filter((line) => line.length > 0 && line.length <= REPORT_LIMITS.maxLineChars);

  const connections: ConnectionProfile[] = [];
  for (const line of section(0)) {
    const fields = line.split('\t');
    if (fields.length !== 2) continue;
    const alias = cleanAlias(fields[0]!);
    const profile = category(fields[1]!.trim());
    if (alias !== null && profile !== null && connections.length < REPORT_LIMITS.maxConnections) connections.push({ interfaceAlias: alias, profile });
  }

  const firewall: FirewallProfileState[] = [];
  for (const line of section(1)) {
    const [name = '', enabled = '', inbound = ''] = line.trim().split('\t');
    const profile = PROFILE_NAMES.find((known) => known === name);
    const on = bool(enabled);
    if (profile === undefined || on === null || firewall.some((state) => state.name === profile)) continue;
    firewall.push({ name: profile, enabled: on, defaultAllowsInbound: inbound === 'Allow' });
  }

  const rules: AppFirewallRule[] = [];
  for (const line of section(2)) {
    const [direction = '', action = '', enabled = '', profiles = '', protocol = ''] = line.trim().split('\t');
    const on = bool(enabled);
    const covered = ruleProfiles(profiles);
    if (!['Inbound', 'Outbound'].includes(direction) || !['Allow', 'Block'].includes(action) || on === null || covered === null) continue;
    if (rules.length >= REPORT_LIMITS.maxRules) break;
    rules.push({ inbound: direction === 'Inbound', allow: action === 'Allow', enabled: on, profiles: covered, tcp: protocol === 'TCP' || protocol === 'Any' });
  }
  return { connections, firewall, rules };
}

/** What Windows Firewall does to someone joining Tincan on a network with this profile. */
export type InboundVerdict = 'allowed' | 'blocked' | 'no-rule';

export function inboundVerdict(report: WindowsNetworkReport, profile: FirewallProfileName): InboundVerdict {
  const state = report.firewall.find((candidate) => candidate.name === profile);
  if (state !== undefined && !state.enabled) return 'allowed';
  const applies = report.rules.filter((rule) => rule.enabled && rule.inbound && rule.tcp && rule.profiles.includes(profile));
  // Windows Firewall: a block rule wins over any allow rule.
  if (applies.some((rule) => !rule.allow)) return 'blocked';
  if (applies.some((rule) => rule.allow)) return 'allowed';
  // No firewall profile state read: we cannot say the default blocks.
  return state === undefined || state.defaultAllowsInbound ? 'allowed' : 'no-rule';
}

/** Characters an interface name may have and still be pasted into a quoted PowerShell argument. */
const PASTEABLE_ALIAS = /^[\p{L}\p{N} _.()#-]{1,64}$/u;
/** A program path safe inside a double-quoted netsh argument. */
// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const PASTEABLE_PATH = /^[A-Za-z]:\\[^"%\u0000-\u001f]{1,259}$/u;

export interface WindowsAdviceContext {
  port: number;
  /** The interfaces the room is shared on (os.networkInterfaces names, which are Windows' aliases). */
  sharedInterfaces: readonly string[];
  /** Tincan's executable, as the firewall rules name it. */
  program: string;
  /** The first time this machine hosts: Windows is about to ask, so what to answer is the news. */
  firstLaunch: boolean;
}

const WITHOUT_ADMIN = 'Without admin rights, ask whoever manages this computer';

function publicAdvice(aliases: string[]): Advice {
  const names = aliases.map((alias) => `“${alias}”`).join(' and ');
  const pasteable = aliases.length === 1 && PASTEABLE_ALIAS.test(aliases[0]!);
  return {
    summary: `Windows treats the network ${names} as Public, and its firewall keeps others on a Public network from joining.`,
    suggestion:
      `If you trust this network (home, classroom, LAN party): Settings → Network & internet → ${aliases.length === 1 ? aliases[0] : 'the network'} → Network profile type → Private. ` +
      `That needs admin rights (or, in PowerShell run as administrator, the command below). ${WITHOUT_ADMIN}, or host from a computer on a Private network.`,
    command: pasteable ? `Set-NetConnectionProfile -InterfaceAlias "${aliases[0]!}" -NetworkCategory Private` : null,
  };
}

function blockedAdvice(port: number): Advice {
  return {
    summary: 'Windows Firewall blocks Tincan on this network (Cancel or Block was chosen when Windows asked), so nobody else can join.',
    suggestion:
      'With admin rights: Windows Security → Firewall & network protection → Allow an app through firewall → Change settings → tick Tincan under Private. ' +
      `${WITHOUT_ADMIN} to allow Tincan, or TCP and UDP port ${port} and UDP 5353.`,
    command: null,
  };
}

function noRuleAdvice(port: number, program: string): Advice {
  return {
    summary: 'Windows Firewall has no rule for Tincan on this network, so others probably cannot join (unless its port was opened another way).',
    suggestion:
      'With admin rights: Windows Security → Firewall & network protection → Allow an app through firewall → Allow another app → Tincan, ticked for Private; ' +
      `or reinstall Tincan “for anyone who uses this computer”, which adds the rule; or run the command below as administrator. ${WITHOUT_ADMIN} to allow Tincan, or TCP and UDP port ${port} and UDP 5353.`,
    command: PASTEABLE_PATH.test(program)
      ? `netsh advfirewall firewall add rule name="Tincan" dir=in action=allow enable=yes profile=private,domain program="${program}"`
      : null,
  };
}

/**
 * The host panel's Windows hint: a Public network first (the fix there is the network's
 * category), then a rule that blocks Tincan, then no rule at all. Null when others can join
 * as far as Windows says. `firstTimeAdvice` is what to say about the question Windows is
 * about to ask, when it has not asked yet.
 */
export function windowsNetworkAdvice(report: WindowsNetworkReport, context: WindowsAdviceContext, firstTimeAdvice: Advice): Advice | null {
  const shared = new Set(context.sharedInterfaces);
  const matching = report.connections.filter((connection) => shared.has(connection.interfaceAlias));
  // Names that match none of the shared interfaces (another language, a renamed adapter): judge every connection.
  const connections = matching.length > 0 ? matching : report.connections;
  if (connections.length === 0) return null;
  const verdicts = connections.map((connection) => ({ connection, verdict: inboundVerdict(report, connection.profile) }));
  const closedPublic = verdicts.filter(({ connection, verdict }) => connection.profile === 'Public' && verdict !== 'allowed');
  if (closedPublic.length > 0) return publicAdvice([...new Set(closedPublic.map(({ connection }) => connection.interfaceAlias))].slice(0, 3));
  if (verdicts.some(({ verdict }) => verdict === 'blocked')) return blockedAdvice(context.port);
  if (verdicts.some(({ verdict }) => verdict === 'no-rule')) return context.firstLaunch ? firstTimeAdvice : noRuleAdvice(context.port, context.program);
  return null;
}
