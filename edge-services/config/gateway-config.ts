/**
 * The gateway's one configuration (issue 26): every setting the gateway, its
 * Electron shell and the demo's gateway read from the environment, declared
 * once here with its one name, its type and its check (a JSON schema, checked
 * by ajv), its default and what it means. `.env.example` lists the same names
 * (tests/gateway-operations.test.ts holds them equal); nothing else in the
 * gateway reads `process.env`.
 *
 * `loadGatewayConfig(env)` checks everything at once and throws one error that
 * names every wrong or missing setting and why, never a secret's value. Names
 * used before this (the demo's `OPERATOR_PIN` and `GATEWAY_PORT`) are refused
 * with the name to use, not silently ignored, so a shop's old start script
 * cannot run with the default PIN.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { Ajv } from 'ajv';
import { LOG_LEVELS, type LogLevel } from '../logging/gateway-log.ts';

type Setting = {
  /** JSON schema of the text value. */
  schema: { type: 'string'; pattern?: string; enum?: readonly string[]; minLength?: number; maxLength?: number };
  description: string;
  default?: string;
  /** Never shown: not in errors, not in logs. */
  secret?: boolean;
  /** Needed where the gateway runs for real (Electron's gateway process). */
  requiredForShop?: boolean;
};

const ID = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const PORT = '^(0|[1-9][0-9]{0,4})$';

/** Every gateway setting, by its one name. */
export const GATEWAY_SETTINGS = {
  EDGEPAY_DATA: {
    schema: { type: 'string', minLength: 1 },
    description: 'Folder the gateway keeps its ledger in (created owner-only); the demo keeps everything under it',
    default: './data',
    requiredForShop: true,
  },
  EDGEPAY_SERVER_URL: { schema: { type: 'string', pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' }, description: 'The central server the gateway syncs with', requiredForShop: true },
  EDGEPAY_CREDENTIAL: {
    schema: { type: 'string', pattern: '^gw_[A-Za-z0-9-]+\\.[A-Za-z0-9_-]+$' },
    description: "This gateway's credential from POST /admin/gateways (gw_<id>.<secret>)",
    secret: true,
    requiredForShop: true,
  },
  EDGEPAY_SITE: { schema: { type: 'string', pattern: ID }, description: 'The site (store) this gateway belongs to', requiredForShop: true },
  EDGEPAY_GATEWAY_ID: { schema: { type: 'string', pattern: ID }, description: "This gateway's id (from its enrolment)", requiredForShop: true },
  EDGEPAY_OPERATOR_PIN: {
    schema: { type: 'string', pattern: '^[0-9]{6,12}$' },
    description: "The console's sign-in PIN, 6 to 12 digits (the demo's default: 246810)",
    secret: true,
    requiredForShop: true,
  },
  EDGEPAY_GATEWAY_HOST: {
    schema: { type: 'string', minLength: 1, maxLength: 255 },
    description: 'Where the kiosk/console HTTP server listens (0.0.0.0 for a screen on the LAN)',
    default: '127.0.0.1',
  },
  EDGEPAY_GATEWAY_PORT: { schema: { type: 'string', pattern: PORT }, description: 'Port of the kiosk/console HTTP server, with /healthz and /metrics (0: any free port)', default: '8081' },
  EDGEPAY_SCANNER: { schema: { type: 'string', pattern: `^(0|${ID.slice(1, -1)})$` }, description: "The HID barcode scanner's device id (0: no scanner)", default: 'scanner-1' },
  EDGEPAY_CARD_TERMINAL: { schema: { type: 'string', pattern: ID }, description: "The card terminal's device id on the bus (default: the simulator's, or terminal-1)" },
  EDGEPAY_DEVICES: { schema: { type: 'string', minLength: 1 }, description: 'A JSON file of LAN devices admitted by their CURVE key: [{deviceId, kind, publicKey}]' },
  EDGEPAY_SIMULATORS: { schema: { type: 'string', enum: ['0', '1'] }, description: '1: run the device simulators instead of hardware (development only)', default: '0' },
  EDGEPAY_KIOSK: { schema: { type: 'string', enum: ['0', '1'] }, description: 'Electron: 1 full-screen kiosk window, 0 a normal window (development)', default: '1' },
  EDGEPAY_SCREEN: { schema: { type: 'string', enum: ['kiosk', 'console'] }, description: 'Electron: which screen the window shows', default: 'kiosk' },
  EDGEPAY_DEVTOOLS: { schema: { type: 'string', enum: ['0', '1'] }, description: "Electron: 1 allows the renderer's devtools (development only)", default: '0' },
  LOG_LEVEL: { schema: { type: 'string', enum: LOG_LEVELS }, description: 'Level of the JSON log on stderr (pino)', default: 'info' },
} as const satisfies Record<string, Setting>;

export type GatewaySettingName = keyof typeof GATEWAY_SETTINGS;

/** Names of earlier versions, refused with the name to use. */
export const RENAMED_SETTINGS: Readonly<Record<string, GatewaySettingName>> = { OPERATOR_PIN: 'EDGEPAY_OPERATOR_PIN', GATEWAY_PORT: 'EDGEPAY_GATEWAY_PORT' };

export type GatewayConfig = {
  dataDir: string;
  server?: { url: string; credential: string };
  siteId?: string;
  gatewayId?: string;
  operatorPin?: string;
  http: { host: string; port: number };
  scanner: string | undefined;
  cardTerminalId?: string;
  devicesFile?: string;
  simulators: boolean;
  electron: { kiosk: boolean; screen: 'kiosk' | 'console'; devTools: boolean };
  logLevel: LogLevel;
};

export class GatewayConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the gateway's configuration is not valid (see .env.example):\n  ${problems.join('\n  ')}`);
    this.name = 'GatewayConfigError';
  }
}

const ajv = new Ajv({ allErrors: true });
const validators = Object.fromEntries(Object.entries(GATEWAY_SETTINGS).map(([name, s]) => [name, ajv.compile(s.schema)])) as Record<GatewaySettingName, ReturnType<Ajv['compile']>>;

export type LoadOptions = {
  /** Settings that must be present (Electron's gateway process: every `requiredForShop`). */
  require?: readonly GatewaySettingName[];
};

/** The settings Electron's gateway process cannot start without. */
export const SHOP_REQUIRED = (Object.keys(GATEWAY_SETTINGS) as GatewaySettingName[]).filter((n) => (GATEWAY_SETTINGS[n] as Setting).requiredForShop);

/** Checks every setting in `env` and returns the typed configuration, or throws GatewayConfigError naming each problem. */
export function loadGatewayConfig(env: Readonly<Record<string, string | undefined>>, options: LoadOptions = {}): GatewayConfig {
  const problems: string[] = [];
  for (const [old, name] of Object.entries(RENAMED_SETTINGS)) {
    if (env[old] !== undefined) problems.push(`${old} is no longer read: set ${name} instead`);
  }
  const values = {} as Record<GatewaySettingName, string | undefined>;
  for (const name of Object.keys(GATEWAY_SETTINGS) as GatewaySettingName[]) {
    const setting = GATEWAY_SETTINGS[name] as Setting;
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (options.require?.includes(name)) problems.push(`${name} is required: ${setting.description}`);
      values[name] = setting.default;
      continue;
    }
    if (!validators[name](raw)) {
      const expected = setting.schema.enum ? `one of ${setting.schema.enum.join(', ')}` : setting.schema.pattern ? `text matching ${setting.schema.pattern}` : 'a non-empty text';
      problems.push(`${name} ${setting.secret ? '(value hidden)' : JSON.stringify(raw.slice(0, 80))} is not valid: expected ${expected} (${setting.description})`);
    }
    values[name] = raw;
  }
  const port = Number(values.EDGEPAY_GATEWAY_PORT);
  if (!(port >= 0 && port <= 65535)) problems.push(`EDGEPAY_GATEWAY_PORT must be 0 to 65535`);
  if ((values.EDGEPAY_SERVER_URL === undefined) !== (values.EDGEPAY_CREDENTIAL === undefined)) {
    problems.push('EDGEPAY_SERVER_URL and EDGEPAY_CREDENTIAL go together: set both (sync with the server) or neither (sell standalone)');
  }
  if (values.EDGEPAY_DEVICES !== undefined && !existsSync(values.EDGEPAY_DEVICES)) problems.push('EDGEPAY_DEVICES names a file that does not exist');
  if (problems.length > 0) throw new GatewayConfigError(problems);

  const v = values;
  return {
    dataDir: v.EDGEPAY_DATA!,
    ...(v.EDGEPAY_SERVER_URL && v.EDGEPAY_CREDENTIAL ? { server: { url: v.EDGEPAY_SERVER_URL, credential: v.EDGEPAY_CREDENTIAL } } : {}),
    ...(v.EDGEPAY_SITE ? { siteId: v.EDGEPAY_SITE } : {}),
    ...(v.EDGEPAY_GATEWAY_ID ? { gatewayId: v.EDGEPAY_GATEWAY_ID } : {}),
    ...(v.EDGEPAY_OPERATOR_PIN ? { operatorPin: v.EDGEPAY_OPERATOR_PIN } : {}),
    http: { host: v.EDGEPAY_GATEWAY_HOST!, port },
    scanner: v.EDGEPAY_SCANNER === '0' ? undefined : v.EDGEPAY_SCANNER,
    ...(v.EDGEPAY_CARD_TERMINAL ? { cardTerminalId: v.EDGEPAY_CARD_TERMINAL } : {}),
    ...(v.EDGEPAY_DEVICES ? { devicesFile: v.EDGEPAY_DEVICES } : {}),
    simulators: v.EDGEPAY_SIMULATORS === '1',
    electron: { kiosk: v.EDGEPAY_KIOSK !== '0', screen: v.EDGEPAY_SCREEN === 'console' ? 'console' : 'kiosk', devTools: v.EDGEPAY_DEVTOOLS === '1' },
    logLevel: v.LOG_LEVEL as LogLevel,
  };
}

/**
 * The environment with a `.env` file's settings added where the environment
 * has none (the environment wins, as with `node --env-file`). The file is
 * optional; `.env.example` shows its form.
 */
export function environmentWithEnvFile(env: NodeJS.ProcessEnv = process.env, file = '.env'): Record<string, string | undefined> {
  if (!existsSync(file)) return { ...env };
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}

/** The `.env.example` text for these settings (tests hold the committed file equal to it). */
export function envExample(): string {
  const lines = [
    '# EdgePay gateway settings: one name each, checked at start (edge-services/config/gateway-config.ts).',
    '# Copy to .env (the environment wins over the file). Commented-out lines show the default.',
    '',
  ];
  for (const [name, s] of Object.entries(GATEWAY_SETTINGS) as [GatewaySettingName, Setting][]) {
    lines.push(`# ${s.description}${s.requiredForShop ? ' (required in a shop)' : ''}${s.secret ? ' (secret)' : ''}`);
    lines.push(s.default !== undefined ? `# ${name}=${s.default}` : `# ${name}=`);
    lines.push('');
  }
  return lines.join('\n');
}
