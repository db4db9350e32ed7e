/**
 * Debian's Chromium driven by playwright-core (the Playwright browsers cannot
 * be downloaded here), with a fresh profile per run, and the UI built by Vite
 * into a temporary folder (the gateway serves it from there).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = process.env.EDGEPAY_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'ui');

export async function buildUi(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'edgepay-ui-dist-'));
  await build({
    configFile: join(import.meta.dirname, '..', '..', 'renderer', 'vite.config.ts'),
    build: { outDir: dir, emptyOutDir: true },
    logLevel: 'warn',
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'edgepay-chromium-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1080, height: 1920 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(20_000);
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const shot = (name: string) => join(ARTIFACTS, name + '.png');
