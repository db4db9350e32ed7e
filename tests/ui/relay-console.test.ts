/**
 * The relay's registries in the operator console (issue 22), in Chromium,
 * English (wide) and Korean (narrow portrait): the site's relay terminals
 * (one stand-alone, one paired with a POS agent), the app registry (the
 * sandbox apps and one registered here) and the POS agents with their last
 * sign of life (one seen, one never). Another site's terminal is not shown.
 * Both screens pass axe; screenshots in test-artifacts/relay-console/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from './axe.ts';
import { buildUi, launchBrowser } from './browser.ts';
import { ADMIN, PIN, SITE, startStore, type Store } from './harness.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'relay-console');
const shot = (name: string) => join(ARTIFACTS, name + '.png');

describe('relay registries in the operator console (Chromium)', { timeout: 300_000 }, () => {
  let store: Store;
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let seen: string;
  let unseen: string;

  const admin = async (path: string, body: unknown, method = 'PUT') => {
    const res = await fetch(store.server.url + path, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ui = await buildUi();
    store = await startStore({ uiDir: ui.dir });
    const gatewayId = (await store.server.db.query<{ id: string }>('SELECT id FROM gateways WHERE site_id = $1', [SITE])).rows[0]!.id;
    const a = await admin('/admin/relay/pos-agents', { siteId: SITE }, 'POST');
    const b = await admin('/admin/relay/pos-agents', { siteId: SITE }, 'POST');
    seen = a.agentId;
    unseen = b.agentId;
    await admin('/admin/relay/terminals/relay-1', { siteId: SITE, gatewayId, label: 'Front counter' });
    await admin('/admin/relay/terminals/relay-pos-1', { siteId: SITE, gatewayId, label: 'Café POS', posAgentId: seen });
    await admin('/admin/relay/terminals/elsewhere-1', { siteId: 'another-site', gatewayId: 'gw-other', label: 'Not ours' });
    await admin('/admin/relay/apps/partner-points', { label: 'Partner Points', destination: 'membership', takes: 'membership', matchKeys: ['member:02'] });
    // The first agent calls the server once (any authenticated call is a sign of life).
    const r = await fetch(`${store.server.url}/relay/v1/commands/none/result`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'no-answer' }),
    });
    assert.equal(r.status, 404);

    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(store.api.consoleUrl + '?lang=en');
    await page.getByLabel('Operator PIN').fill(PIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: 'Relay terminals' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await store?.stop();
    ui?.remove();
  });

  it('terminals with their pairing, the app registry, POS agents and their last sign of life (English, wide)', async () => {
    await page.getByRole('tab', { name: 'Relay terminals' }).click();
    await page.getByTestId('relay-terminal-relay-pos-1').waitFor();
    assert.match((await page.getByTestId('relay-terminal-relay-1').textContent()) ?? '', /Front counter.*Stand-alone/);
    assert.match((await page.getByTestId('relay-terminal-relay-pos-1').textContent()) ?? '', new RegExp(`Café POS.*POS agent ${seen}`));
    assert.equal(await page.getByTestId('relay-terminal-elsewhere-1').count(), 0, "another site's terminal is not shown");
    assert.match((await page.getByTestId('relay-app-edgepay-pay').textContent()) ?? '', /payment-code.*Payment code/);
    assert.match((await page.getByTestId('relay-app-partner-points').textContent()) ?? '', /Partner Points.*membership.*Membership id.*member:02/);
    assert.match((await page.getByTestId(`relay-agent-${seen}`).textContent()) ?? '', /now|second/);
    assert.match((await page.getByTestId(`relay-agent-${unseen}`).textContent()) ?? '', /Never/);
    await page.screenshot({ path: shot('registry-wide-en'), fullPage: true });
    await assertAccessible(page, 'relay registry en');
  });

  it('the same in Korean, narrow portrait', async () => {
    await page.setViewportSize({ width: 800, height: 1280 });
    await page.getByRole('button', { name: 'Switch language to Korean' }).click();
    await page.getByRole('heading', { name: '앱 등록부' }).waitFor();
    assert.match((await page.getByTestId('relay-terminal-relay-1').textContent()) ?? '', /단독/);
    assert.match((await page.getByTestId('relay-terminal-relay-pos-1').textContent()) ?? '', /POS 에이전트/);
    assert.match((await page.getByTestId('relay-app-edgepay-points').textContent()) ?? '', /멤버십 번호/);
    assert.match((await page.getByTestId(`relay-agent-${unseen}`).textContent()) ?? '', /없음/);
    await page.screenshot({ path: shot('registry-portrait-ko'), fullPage: true });
    await assertAccessible(page, 'relay registry ko');
  });
});
